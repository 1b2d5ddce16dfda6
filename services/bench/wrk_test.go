package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"mall/services/platform/testenv"
)

const wrkOutput = `Running 3s test @ http://127.0.0.1:41234
  2 threads and 16 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   812.31us    1.02ms  31.20ms   93.12%
    Req/Sec    10.01k   612.33    11.20k    70.00%
  Latency Distribution
     50%  645.00us
     75%  901.00us
     90%    1.25ms
     99%    5.10ms
  59812 requests in 3.00s, 9.81MB read
  Socket errors: connect 0, read 2, write 1, timeout 4
  Non-2xx or 3xx responses: 59000
Requests/sec:  19937.33
Transfer/sec:      3.27MB
mall-bench reused 12
`

func TestParseWrkReadsCountsPercentilesAndErrors(t *testing.T) {
	s, err := ParseWrk("sold out", wrkOutput)
	if err != nil {
		t.Fatal(err)
	}
	want := Summary{Name: "sold out", Requests: 59812, Elapsed: 3 * time.Second, P50: 645 * time.Microsecond, P90: 1250 * time.Microsecond,
		P99: 5100 * time.Microsecond, Errors: 7, NonOK: 59000, Reused: 12, FirstError: "Socket errors: connect 0, read 2, write 1, timeout 4"}
	if fmt.Sprint(s) != fmt.Sprint(want) {
		t.Fatalf("parsed\n%+v\nwant\n%+v", s, want)
	}
	if rps := s.RPS(); rps < 19937 || rps > 19938 {
		t.Fatalf("req/s %v, wrk said 19937.33", rps)
	}
}

func TestParseWrkWithoutErrorsOrRefusals(t *testing.T) {
	clean := strings.NewReplacer("  Socket errors: connect 0, read 2, write 1, timeout 4\n", "", "  Non-2xx or 3xx responses: 59000\n", "",
		"3.00s,", "1.00m,", "5.10ms", "1.02s").Replace(wrkOutput)
	s, err := ParseWrk("p", clean)
	if err != nil {
		t.Fatal(err)
	}
	if s.Errors != 0 || s.NonOK != 0 || s.FirstError != "" || s.Elapsed != time.Minute || s.P99 != 1020*time.Millisecond {
		t.Fatalf("parsed %+v", s)
	}
}

func TestParseWrkRefusesOutputItCannotRead(t *testing.T) {
	for name, out := range map[string]string{
		"no count":          "unable to connect to 127.0.0.1:1 Connection refused\n",
		"no distribution":   "  10 requests in 1.00s, 1KB read\n",
		"unknown time unit": strings.Replace(wrkOutput, "3.00s,", "3.00q,", 1),
	} {
		if _, err := ParseWrk(name, out); err == nil {
			t.Errorf("%s: parsed", name)
		}
	}
}

func TestScriptQuotesEveryInputAndSlicesThemPerThread(t *testing.T) {
	dir := t.TempDir()
	load := Load{Name: `a "phase"`, Method: "POST", Path: "/svc/Method", Body: `{"eventId":"e\1"}`,
		Headers: map[string]string{"Content-Type": "application/json", "X-Note": "买"}, Tokens: []string{"t1", "t2", "t3"}}
	path, err := writeScript(dir, load, 2)
	if err != nil {
		t.Fatal(err)
	}
	script, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`local method, path = "POST", "/svc/Method"`,
		`["Content-Type"] = "application/json"`,
		`["X-Note"] = "\228\185\176"`, // UTF-8 bytes, escaped
		`local fixed_body = "{\"eventId\":\"e\\1\"}"`,
		`local threads_wanted = 2`,
		`read_lines("` + filepath.Join(dir, "tokens") + `")`,
		`bodies = read_lines(nil)`,
		`thread:set("slot", #threads)`,
		`headers["Authorization"] = "Bearer " .. tokens[next_input]`,
		`mall-bench reused %d`,
	} {
		if !strings.Contains(string(script), want) {
			t.Errorf("script lacks %s:\n%s", want, script)
		}
	}
	tokens, err := os.ReadFile(filepath.Join(dir, "tokens"))
	if err != nil || string(tokens) != "t1\nt2\nt3\n" {
		t.Fatalf("tokens file %q %v", tokens, err)
	}
}

func TestCeilingKeepsTheRotationAndAsksForHealth(t *testing.T) {
	load := Load{Name: "GetHome", URL: "http://x", Method: "GET", Path: "/a?b", Headers: map[string]string{"Accept-Encoding": "gzip"},
		Tokens: []string{"a", "b"}, Bodies: []string{"1", "2"}, Paths: []string{"/a?1", "/a?2"}, Fresh: true}
	c := load.Ceiling()
	if c.Method != "POST" || c.Path != HealthCheckPath || c.Body != "{}" || c.URL != load.URL || c.Fresh ||
		c.Headers["Accept-Encoding"] != "gzip" || c.Headers["Content-Type"] != "application/json" ||
		len(c.Tokens) != 2 || strings.Join(c.Bodies, ",") != "{},{}" ||
		strings.Join(c.Paths, ",") != HealthCheckPath+","+HealthCheckPath {
		t.Fatalf("ceiling %+v", c)
	}
	if _, ok := load.Headers["Content-Type"]; ok {
		t.Fatal("the ceiling changed the phase's headers")
	}
}

func TestGeneratorRefusesLoadsItCannotRotate(t *testing.T) {
	g := Generator{Binary: "wrk", Threads: 2, Connections: 4, Duration: time.Second}
	for name, load := range map[string]Load{
		"fewer inputs than threads": {Tokens: []string{"a"}},
		"tokens and bodies differ":  {Tokens: []string{"a", "b"}, Bodies: []string{"x", "y", "z"}},
		"a body of two lines":       {Bodies: []string{"a\nb", "c"}},
		"paths and tokens differ":   {Tokens: []string{"a", "b"}, Paths: []string{"/x", "/y", "/z"}},
		"a path of two lines":       {Paths: []string{"/a\nb", "/c"}},
	} {
		if _, err := g.Run(context.Background(), load, io.Discard); err == nil {
			t.Errorf("%s: ran", name)
		}
	}
}

// A short real run: wrk sends every token once across its threads (each
// its own slice) before reusing any, and the summary counts what the
// server answered. (wrk builds one request before the run to check the
// script, so thread 0's first input is never sent.)
func TestWrkRunRotatesFreshInputsAcrossThreads(t *testing.T) {
	testenv.Integration(t)
	binary, err := FindWrk("")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	seen := map[string]int{}
	var refused int
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		key := r.Header.Get("Authorization") + "|" + string(body) + "|" + r.URL.Path
		seen[key]++
		if r.Header.Get("Authorization") == "Bearer t5" {
			refused++
			w.WriteHeader(http.StatusBadRequest)
		}
	}))
	defer server.Close()

	const n = 200000 // more than the run can send: no reuse
	tokens, bodies, paths := make([]string, n), make([]string, n), make([]string, n)
	for i := range n {
		tokens[i], bodies[i], paths[i] = fmt.Sprintf("t%d", i), fmt.Sprintf(`{"i":%d}`, i), fmt.Sprintf("/p/%d", i)
	}
	g := Generator{Binary: binary, Threads: 2, Connections: 4, Duration: time.Second}
	load := Load{Name: "fresh", URL: server.URL, Method: "POST", Path: "/p", Tokens: tokens, Bodies: bodies, Paths: paths, Fresh: true}
	s, err := g.Run(context.Background(), load, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if s.Requests == 0 || s.Reused != 0 || s.Errors != 0 || s.NonOK != int64(refused) || refused != 1 {
		t.Fatalf("summary %+v; the server refused %d", s, refused)
	}
	// wrk's own CPU and this process's (the test server's) were measured
	// over wrk's run.
	if c := s.CPU; c.Wall < time.Second || c.Generator <= 0 || c.Server <= 0 || c.Server+c.Generator > c.Wall*time.Duration(runtime.NumCPU()) {
		t.Fatalf("CPU %+v for a one-second run", c)
	}
	if int64(len(seen)) < s.Requests {
		t.Fatalf("%d distinct requests for %d answered", len(seen), s.Requests)
	}
	for key, times := range seen {
		var i int
		if _, err := fmt.Sscanf(key, "Bearer t%d|", &i); err != nil || times != 1 || key != fmt.Sprintf(`Bearer t%d|{"i":%d}|/p/%d`, i, i, i) {
			t.Fatalf("request %q seen %d times", key, times)
		}
	}

	// Two inputs for two threads cannot last a second: the run says so.
	clear(seen)
	small := Load{Name: "short of inputs", URL: server.URL, Method: "POST", Path: "/p", Tokens: []string{"a", "b"}, Fresh: true}
	s, err = g.Run(context.Background(), small, io.Discard)
	if err == nil || s.Reused == 0 {
		t.Fatalf("reused %d of %d: %v", s.Reused, s.Requests, err)
	}
}

func TestReportPutsCeilingsBesideEachPhaseAndMarksGeneratorBound(t *testing.T) {
	health := Summary{Name: "ceiling: health Check", Requests: 30000, Elapsed: time.Second, P50: time.Millisecond, P90: 2 * time.Millisecond, P99: 3 * time.Millisecond}
	r := Report{
		Phases: []Summary{
			{Name: "sold out", Requests: 21000, NonOK: 21000, Elapsed: time.Second, Ceilings: []Summary{health}},
			{Name: "accepted", Requests: 9000, Elapsed: time.Second, Ceilings: []Summary{health}},
		},
		Ratios: []RatioLine{{Label: "sold out / health", Num: "sold out", AtLeast: 0.7}, {Label: "accepted / health", Num: "accepted", AtLeast: 0.35}},
	}
	var out strings.Builder
	if err := r.Render(&out); err != nil {
		t.Fatal(err)
	}
	want := "\n" +
		"                    phase  requests  req/s     p50     p90     p99  non-2xx  errors  of ceiling                 \n" +
		"                 sold out     21000  21000       -       -       -    21000       0                             \n" +
		"    ceiling: health Check     30000  30000  1.00ms  2.00ms  3.00ms        0       0       0.70x  generator-bound\n" +
		"                 accepted      9000   9000       -       -       -        0       0                             \n" +
		"    ceiling: health Check     30000  30000  1.00ms  2.00ms  3.00ms        0       0       0.30x                 \n" +
		"\n" +
		"ratio (req/s)      value  target            \n" +
		"sold out / health  0.70x  >= 0.70x  met     \n" +
		"accepted / health  0.30x  >= 0.35x  missed  \n"
	if out.String() != want {
		t.Fatalf("report:\n%s\nwant:\n%s", out.String(), want)
	}
}

// Each generated phase and ceiling with its CPU measured gets a row of
// where the machine's time went; in-process phases (no CPU) get none.
func TestReportShowsWhereEachPhasesCPUWent(t *testing.T) {
	health := Summary{Name: "ceiling: health Check", Requests: 50000, Elapsed: time.Second,
		CPU: CPU{Wall: 2 * time.Second, Server: 2600 * time.Millisecond, Generator: 1200 * time.Millisecond}}
	r := Report{Phases: []Summary{
		{Name: "accepted", Requests: 15000, Elapsed: time.Second, Ceilings: []Summary{health},
			CPU: CPU{Wall: 2 * time.Second, Server: 2400 * time.Millisecond, Stores: 1050 * time.Millisecond, Generator: 450 * time.Millisecond}},
		{Name: "writer", Requests: 100, Elapsed: time.Second},
	}}
	var out strings.Builder
	if err := r.Render(&out); err != nil {
		t.Fatal(err)
	}
	want := "" +
		"              CPU (cores)  wall  mall  stores   wrk   all  server per request\n" +
		"                 accepted  2.0s  1.20    0.53  0.23  1.95             230.0µs\n" +
		"    ceiling: health Check  2.0s  1.30    0.00  0.60  1.90              52.0µs\n" +
		"CPU: cores used while"
	if !strings.Contains(out.String(), want) {
		t.Fatalf("report:\n%s\nwant in it:\n%s", out.String(), want)
	}
}

func TestParseCounterReadsOneCounterByLabel(t *testing.T) {
	text := `# HELP mall_seckill_admissions_total Flash-sale purchase attempts by outcome.
# TYPE mall_seckill_admissions_total counter
mall_seckill_admissions_total{outcome="accepted"} 120
mall_seckill_admissions_total{outcome="sold_out",zone="a \"q\""} 1.5e+06
mall_seckill_admissions_total{zone="b",outcome="sold_out"} 4 1700000000000
mall_seckill_admissions_total_other{outcome="accepted"} 7
mall_seckill_admissions_totalx 9
other_metric{outcome="accepted"} 8
`
	got, err := ParseCounter(strings.NewReader(text), Series{Name: "mall_seckill_admissions_total", By: "outcome"})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != fmt.Sprint(Counts{"accepted": 120, "sold_out": 1500004}) {
		t.Fatalf("counts %v", got)
	}
	diff := Counts{"accepted": 130, "sold_out": 1500004, "ended": 2}.Sub(got)
	if fmt.Sprint(diff) != fmt.Sprint(Counts{"accepted": 10, "ended": 2}) || diff.Total() != 12 {
		t.Fatalf("diff %v", diff)
	}
	zoneB, err := ParseCounter(strings.NewReader(text), Series{Name: "mall_seckill_admissions_total", By: "outcome", Where: map[string]string{"zone": "b"}})
	if err != nil || fmt.Sprint(zoneB) != fmt.Sprint(Counts{"sold_out": 4}) {
		t.Fatalf("zone b: %v %v", zoneB, err)
	}
	quoted, err := ParseCounter(strings.NewReader(text), Series{Name: "mall_seckill_admissions_total", By: "outcome", Where: map[string]string{"zone": `a "q"`}})
	if err != nil || fmt.Sprint(quoted) != fmt.Sprint(Counts{"sold_out": 1500000}) {
		t.Fatalf("zone with quotes: %v %v", quoted, err)
	}
	if _, err := ParseCounter(strings.NewReader("mall_seckill_admissions_total{outcome=\"x\"} many\n"), Series{Name: "mall_seckill_admissions_total", By: "outcome"}); err == nil {
		t.Fatal("a value that is not a number was read")
	}
}

func TestMissingWrkSaysHowToInstallIt(t *testing.T) {
	_, err := FindWrk(filepath.Join(t.TempDir(), "wrk"))
	if err == nil || !strings.Contains(err.Error(), "apt-get install wrk") {
		t.Fatalf("error %v", err)
	}
}
