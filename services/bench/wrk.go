package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"time"
)

// HealthCheckPath is gRPC health's Check, which every server of the mall
// answers: POSTed `{}` over Connect JSON it is the cheapest call the server
// can answer, the ceiling a phase is compared with.
const HealthCheckPath = "/grpc.health.v1.Health/Check"

// WrkInstallHint says how to get the generator when it is missing.
const WrkInstallHint = "the benchmarks drive load with wrk (https://github.com/wg/wrk): install it with `sudo apt-get install wrk` (Debian, Ubuntu) or `brew install wrk` (macOS), or pass its path with --wrk"

// Load is what the generator sends in one phase: one request shape, with
// per-request inputs rotated over by the generated Lua script. Each wrk
// thread takes its own slice of the inputs (setup gives it its offset)
// and walks it, wrapping around at its end.
type Load struct {
	Name    string
	URL     string // the server, e.g. http://127.0.0.1:8080
	Method  string // GET or POST
	Path    string // with the query, for GET; every request's, unless Paths is set
	Headers map[string]string
	Body    string   // every request's body, unless Bodies is set
	Tokens  []string // bearer tokens: request i carries Tokens[i]
	Bodies  []string // request bodies: request i carries Bodies[i] (one line each)
	Paths   []string // request paths: request i goes to Paths[i] (a GET's query varying)
	// Fresh: no input may be sent twice (a fresh buyer per request); a phase
	// that sent more requests than there are inputs says so (Reused).
	Fresh bool
}

// inputs is how many per-request inputs the load rotates over (0: none).
func (l Load) inputs() int { return max(len(l.Tokens), len(l.Bodies), len(l.Paths)) }

// Ceiling is l with its request replaced by a health check of the same
// server: the same headers, tokens and rotation, so the generator's cost per
// request (the Lua included) is the same, and a body of `{}` for every input.
func (l Load) Ceiling() Load {
	c := l
	c.Name = "ceiling: health Check"
	c.Method, c.Path, c.Body = "POST", HealthCheckPath, "{}"
	c.Headers = maps.Clone(l.Headers)
	if c.Headers == nil {
		c.Headers = map[string]string{}
	}
	c.Headers["Content-Type"] = "application/json"
	if len(l.Bodies) > 0 {
		c.Bodies = slices.Repeat([]string{"{}"}, len(l.Bodies))
	}
	if len(l.Paths) > 0 {
		c.Paths = slices.Repeat([]string{HealthCheckPath}, len(l.Paths))
	}
	c.Fresh = false
	return c
}

// Generator runs loads with wrk: Threads threads holding Connections
// connections between them, for Duration each.
type Generator struct {
	Binary      string // wrk; found on PATH when empty
	Threads     int
	Connections int
	Duration    time.Duration
	Timeout     time.Duration // a request unanswered after this is a socket error; 5s when 0
	Dir         string        // where scripts and input files go (a temp dir of its own when empty)
}

// FindWrk returns the wrk binary to use, or an error saying how to
// install it.
func FindWrk(binary string) (string, error) {
	if binary == "" {
		binary = "wrk"
	}
	path, err := exec.LookPath(binary)
	if err != nil {
		return "", fmt.Errorf("%s not found: %s", binary, WrkInstallHint)
	}
	return path, nil
}

// Run drives load and returns what wrk measured. A load with Fresh inputs
// that had to reuse some is an error, with the summary.
func (g Generator) Run(ctx context.Context, load Load, progress io.Writer) (Summary, error) {
	if err := g.check(load); err != nil {
		return Summary{Name: load.Name}, err
	}
	dir := g.Dir
	if dir == "" {
		tmp, err := os.MkdirTemp("", "mall-bench-")
		if err != nil {
			return Summary{Name: load.Name}, err
		}
		defer func() { _ = os.RemoveAll(tmp) }() // scratch files of this run only
		dir = tmp
	}
	dir, err := os.MkdirTemp(dir, "phase-")
	if err != nil {
		return Summary{Name: load.Name}, err
	}
	script, err := writeScript(dir, load, g.Threads)
	if err != nil {
		return Summary{Name: load.Name}, err
	}
	args := g.args(script, load.URL)
	if progress != nil {
		fmt.Fprintf(progress, "%-24s wrk %s\n", load.Name, strings.Join(args, " "))
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, g.Binary, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	mark := MarkCPU()
	if err := cmd.Run(); err != nil {
		return Summary{Name: load.Name}, fmt.Errorf("%s: wrk: %w: %s%s", load.Name, err, stderr.String(), stdout.String())
	}
	cpu := mark.Since(cmd.ProcessState)
	s, err := ParseWrk(load.Name, stdout.String())
	if err != nil {
		return s, fmt.Errorf("%s: %w", load.Name, err)
	}
	s.CPU = cpu
	if progress != nil {
		fmt.Fprintf(progress, "%-24s done in %.1fs: %d req, %.0f req/s, %d non-2xx, %d socket errors\n", load.Name, s.Elapsed.Seconds(), s.Requests, s.RPS(), s.NonOK, s.Errors)
	}
	if load.Fresh && s.Reused > 0 {
		return s, fmt.Errorf("%s: %d requests reused an input of %d (give the phase more inputs or a shorter duration)", load.Name, s.Reused, load.inputs())
	}
	return s, nil
}

func (g Generator) check(load Load) error {
	switch {
	case g.Binary == "":
		return errors.New("bench: no wrk binary")
	case g.Threads < 1 || g.Connections < g.Threads || g.Duration < time.Second:
		return fmt.Errorf("bench: wrk needs at least one thread, a connection per thread and a duration of a second or more (have %d threads, %d connections, %v)", g.Threads, g.Connections, g.Duration)
	case slices.ContainsFunc([]int{len(load.Tokens), len(load.Bodies), len(load.Paths)}, func(n int) bool { return n > 0 && n != load.inputs() }):
		return fmt.Errorf("bench: %s: %d tokens, %d bodies and %d paths: each input list must be empty or as long as the others", load.Name, len(load.Tokens), len(load.Bodies), len(load.Paths))
	case load.inputs() > 0 && load.inputs() < g.Threads:
		return fmt.Errorf("bench: %s: %d inputs for %d threads", load.Name, load.inputs(), g.Threads)
	}
	for _, line := range slices.Concat(load.Bodies, load.Paths) {
		if strings.ContainsAny(line, "\r\n") {
			return fmt.Errorf("bench: %s: a request body or path spans lines", load.Name)
		}
	}
	return nil
}

func (g Generator) args(script, url string) []string {
	timeout := g.Timeout
	if timeout <= 0 {
		timeout = DefaultRequestTimeout
	}
	seconds := int((g.Duration + time.Second - 1) / time.Second)
	return []string{"-t", strconv.Itoa(g.Threads), "-c", strconv.Itoa(g.Connections), "-d", strconv.Itoa(seconds) + "s",
		"--timeout", strconv.Itoa(int(timeout/time.Second)) + "s", "--latency", "-s", script, url}
}

// writeScript writes load's inputs (one a line) and its Lua script into
// dir and returns the script's path.
func writeScript(dir string, load Load, threads int) (string, error) {
	data := scriptData{Name: load.Name, Method: load.Method, Path: load.Path, Body: load.Body, Threads: threads}
	for _, k := range slices.Sorted(maps.Keys(load.Headers)) {
		data.Headers = append(data.Headers, [2]string{k, load.Headers[k]})
	}
	var err error
	if len(load.Tokens) > 0 {
		if data.TokensFile, err = writeLines(filepath.Join(dir, "tokens"), load.Tokens); err != nil {
			return "", err
		}
	}
	if len(load.Bodies) > 0 {
		if data.BodiesFile, err = writeLines(filepath.Join(dir, "bodies"), load.Bodies); err != nil {
			return "", err
		}
	}
	if len(load.Paths) > 0 {
		if data.PathsFile, err = writeLines(filepath.Join(dir, "paths"), load.Paths); err != nil {
			return "", err
		}
	}
	var script bytes.Buffer
	if err := luaScript.Execute(&script, data); err != nil {
		return "", err
	}
	path := filepath.Join(dir, "phase.lua")
	return path, os.WriteFile(path, script.Bytes(), 0o600)
}

func writeLines(path string, lines []string) (string, error) {
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	w := bufio.NewWriter(f)
	for _, l := range lines {
		// A failed write is remembered by w and returned by Flush.
		_, _ = w.WriteString(l)
		_ = w.WriteByte('\n')
	}
	if err := errors.Join(w.Flush(), f.Close()); err != nil {
		return "", err
	}
	return path, nil
}

type scriptData struct {
	Name, Method, Path, Body string
	Headers                  [][2]string
	TokensFile, BodiesFile   string
	PathsFile                string
	Threads                  int
}

// luaString quotes s as a Lua string literal (escaping every byte that is
// not plain printable ASCII).
func luaString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&b, "\\%03d", c)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// The script: setup (in wrk's main Lua state) numbers the threads; init (in
// each thread's state) reads the inputs and keeps the thread's slice of
// them; request sends the next input, counting the requests that reuse
// one; done prints the count for ParseWrk.
var luaScript = template.Must(template.New("lua").Funcs(template.FuncMap{"lua": luaString}).Parse(`-- mall bench phase {{lua .Name}}, generated: one request shape, per-request inputs
local method, path = {{lua .Method}}, {{lua .Path}}
local headers = {
{{- range .Headers}}
  [{{lua (index . 0)}}] = {{lua (index . 1)}},
{{- end}}
}
local fixed_body = {{lua .Body}}
local threads_wanted = {{.Threads}}
local threads = {}

function setup(thread)
  thread:set("slot", #threads)
  table.insert(threads, thread)
end

local function read_lines(file)
  local lines = {}
  if file == nil then return lines end
  for line in io.lines(file) do lines[#lines + 1] = line end
  return lines
end

local tokens, bodies, paths = {}, {}, {}
local first, last, next_input = 1, 0, 1
reused = 0

function init(args)
  tokens = read_lines({{if .TokensFile}}{{lua .TokensFile}}{{else}}nil{{end}})
  bodies = read_lines({{if .BodiesFile}}{{lua .BodiesFile}}{{else}}nil{{end}})
  paths = read_lines({{if .PathsFile}}{{lua .PathsFile}}{{else}}nil{{end}})
  local n = math.max(#tokens, #bodies, #paths)
  first = math.floor(slot * n / threads_wanted) + 1
  last = math.floor((slot + 1) * n / threads_wanted)
  next_input = first
end

local passes = 0

function request()
  local body, request_path = fixed_body, path
  if last >= first then
    if next_input > last then
      next_input = first
      passes = passes + 1
    end
    if passes > 0 then reused = reused + 1 end
    if #tokens > 0 then headers["Authorization"] = "Bearer " .. tokens[next_input] end
    if #bodies > 0 then body = bodies[next_input] end
    if #paths > 0 then request_path = paths[next_input] end
    next_input = next_input + 1
  end
  if body == "" then body = nil end
  return wrk.format(method, request_path, headers, body)
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do total = total + (thread:get("reused") or 0) end
  io.write(string.format("mall-bench reused %d\n", total))
end
`))

var (
	wrkRequests  = regexp.MustCompile(`(?m)^\s*(\d+) requests in ([0-9.]+[a-z]+),`)
	wrkPercent   = regexp.MustCompile(`(?m)^\s*(50|90|99)%\s+([0-9.]+[a-z]+)\s*$`)
	wrkSocket    = regexp.MustCompile(`(?m)^\s*Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
	wrkNonOK     = regexp.MustCompile(`(?m)^\s*Non-2xx or 3xx responses: (\d+)`)
	wrkReused    = regexp.MustCompile(`(?m)^mall-bench reused (\d+)`)
	wrkTimeUnits = map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second, "m": time.Minute, "h": time.Hour}
)

// ParseWrk reads the output of `wrk --latency` (with the generated
// script's line) into a summary: the requests answered, the time they
// took, p50/p90/p99, answers other than 2xx/3xx, and socket errors
// (connect, read, write, timeout) as errors.
func ParseWrk(name, out string) (Summary, error) {
	s := Summary{Name: name}
	m := wrkRequests.FindStringSubmatch(out)
	if m == nil {
		return s, fmt.Errorf("wrk's output has no request count:\n%s", out)
	}
	s.Requests, _ = strconv.ParseInt(m[1], 10, 64)
	var err error
	if s.Elapsed, err = wrkDuration(m[2]); err != nil {
		return s, err
	}
	percentiles := map[string]*time.Duration{"50": &s.P50, "90": &s.P90, "99": &s.P99}
	found := 0
	for _, p := range wrkPercent.FindAllStringSubmatch(out, -1) {
		if *percentiles[p[1]], err = wrkDuration(p[2]); err != nil {
			return s, err
		}
		found++
	}
	if found != len(percentiles) && s.Requests > 0 {
		return s, fmt.Errorf("wrk's output has no latency distribution (run with --latency):\n%s", out)
	}
	if m := wrkSocket.FindStringSubmatch(out); m != nil {
		for _, n := range m[1:] {
			v, _ := strconv.ParseInt(n, 10, 64)
			s.Errors += v
		}
		if s.Errors > 0 {
			s.FirstError = strings.TrimSpace(m[0])
		}
	}
	if m := wrkNonOK.FindStringSubmatch(out); m != nil {
		s.NonOK, _ = strconv.ParseInt(m[1], 10, 64)
	}
	if m := wrkReused.FindStringSubmatch(out); m != nil {
		s.Reused, _ = strconv.ParseInt(m[1], 10, 64)
	}
	return s, nil
}

// wrkDuration reads wrk's durations: "812.00us", "1.25ms", "3.00s", "1.00m".
func wrkDuration(text string) (time.Duration, error) {
	i := strings.IndexFunc(text, func(r rune) bool { return r >= 'a' && r <= 'z' })
	unit, ok := wrkTimeUnits[text[max(i, 0):]]
	if i <= 0 || !ok {
		return 0, fmt.Errorf("wrk duration %q", text)
	}
	v, err := strconv.ParseFloat(text[:i], 64)
	if err != nil {
		return 0, fmt.Errorf("wrk duration %q: %w", text, err)
	}
	return time.Duration(v * float64(unit)), nil
}
