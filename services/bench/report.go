package bench

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// RatioLine compares the req/s of two phases, optionally against a target.
type RatioLine struct {
	Label     string
	Num, Den  string  // phase names; Den empty: Num's first ceiling (its health check)
	AtLeast   float64 // target minimum; 0 for none
	TargetTag string  // how the target is shown, e.g. ">= 0.70x"; derived when empty
}

// Report is the printed result of a benchmark run.
type Report struct {
	Title  string
	Setup  []string // lines describing the run (concurrency, durations, encoding)
	Phases []Summary
	// Tables are phases whose columns are not a load's (requests, req/s,
	// latencies), printed below the phases with columns of their own.
	Tables []Table
	Ratios []RatioLine
	Notes  []string
}

// Table is a table of the report: a header and rows of cells, aligned
// right as the phases are; a report's notes say what its columns are.
type Table struct {
	Header []string
	Rows   [][]string
}

func (r Report) phase(name string) (Summary, bool) {
	for _, p := range r.Phases {
		if p.Name == name {
			return p, true
		}
	}
	return Summary{}, false
}

// RatioValue is the req/s ratio of a line (NaN when a phase is missing or
// answered nothing).
func (r Report) RatioValue(line RatioLine) float64 {
	num, ok1 := r.phase(line.Num)
	if line.Den == "" {
		if !ok1 {
			return Ratio(0, 0)
		}
		return num.CeilingRatio(0)
	}
	den, ok2 := r.phase(line.Den)
	if !ok1 || !ok2 {
		return Ratio(0, 0)
	}
	return Ratio(num.RPS(), den.RPS())
}

// Render writes the report as aligned plain-text tables: the setup, one
// row per phase, the ratios against their targets, and the notes.
func (r Report) Render(w io.Writer) error {
	var b strings.Builder
	r.writeSetup(&b)
	if err := r.writePhases(&b); err != nil {
		return err
	}
	for _, t := range r.Tables {
		if err := t.write(&b); err != nil {
			return err
		}
	}
	if err := r.writeRatios(&b); err != nil {
		return err
	}
	r.writeNotes(&b)
	_, err := io.WriteString(w, b.String())
	return err
}

func (r Report) writeSetup(b *strings.Builder) {
	if r.Title != "" {
		fmt.Fprintf(b, "%s\n", r.Title)
	}
	for _, line := range r.Setup {
		fmt.Fprintf(b, "  %s\n", line)
	}
	b.WriteString("\n")
}

func (r Report) writePhases(b *strings.Builder) error {
	if len(r.Phases) == 0 {
		return nil
	}
	if slices.ContainsFunc(r.Phases, func(p Summary) bool { return len(p.Ceilings) > 0 }) {
		return r.writeGeneratedPhases(b)
	}
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "phase\trequests\treq/s\tp50\tp99\terrors\tpartial\t\n")
	for _, p := range r.Phases {
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%s\t%s\t%d\t%d\t\n", p.Name, p.Requests, p.RPS(), FormatLatency(p.P50), FormatLatency(p.P99), p.Errors, p.Partial)
	}
	return tw.Flush()
}

// writeGeneratedPhases writes phases measured by the external generator:
// each with its ceilings below it, the phase's req/s as a share of each,
// and the mark of a phase whose ceiling is under twice its result.
func (r Report) writeGeneratedPhases(b *strings.Builder) error {
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "phase\trequests\treq/s\tp50\tp90\tp99\tnon-2xx\terrors\tof ceiling\t\t\n")
	row := func(name string, s Summary, ratio, mark string) {
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%s\t%s\t%s\t%d\t%d\t%s\t%s\t\n", name, s.Requests, s.RPS(),
			FormatLatency(s.P50), FormatLatency(s.P90), FormatLatency(s.P99), s.NonOK, s.Errors, ratio, mark)
	}
	for _, p := range r.Phases {
		row(p.Name, p, "", "")
		for i, c := range p.Ceilings {
			mark := ""
			if GeneratorBound(p, c) {
				mark = "generator-bound"
			}
			row("  "+c.Name, c, FormatRatio(p.CeilingRatio(i)), mark)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return r.writeCPU(b)
}

// writeCPU writes where the machine's CPU went in each generated phase and
// ceiling, in cores (CPU time over the generator's wall time): this
// process, the data stores, the generator, their sum, and the server
// side's CPU per answered request.
func (r Report) writeCPU(b *strings.Builder) error {
	measured := func(p Summary) bool { return p.CPU.Wall > 0 }
	if !slices.ContainsFunc(r.Phases, func(p Summary) bool { return measured(p) || slices.ContainsFunc(p.Ceilings, measured) }) {
		return nil
	}
	b.WriteString("\n")
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "CPU (cores)\twall\tmall\tstores\twrk\tall\tserver per request\t\n")
	row := func(name string, s Summary) {
		c := s.CPU
		if !measured(s) {
			return
		}
		fmt.Fprintf(tw, "%s\t%.1fs\t%.2f\t%.2f\t%.2f\t%.2f\t%.1fµs\t\n", name, c.Wall.Seconds(), c.Cores(c.Server), c.Cores(c.Stores),
			c.Cores(c.Generator), c.Cores(c.Server+c.Stores+c.Generator), float64(c.PerRequest(s.Requests))/float64(time.Microsecond))
	}
	for _, p := range r.Phases {
		row(p.Name, p)
		for _, c := range p.Ceilings {
			row("  "+c.Name, c)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	b.WriteString("CPU: cores used while the generator ran (CPU time over its wall time, its start-up included): mall = this process (getrusage), " +
		"stores = the data stores' processes on this machine (" + strings.Join(storeProcesses, ", ") + ", from /proc), wrk = the generator's own; " +
		"server per request = mall + stores CPU per answered request\n")
	return nil
}

// write writes the table after a blank line, every cell aligned right.
func (t Table) write(b *strings.Builder) error {
	b.WriteString("\n")
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', tabwriter.AlignRight)
	for _, row := range append([][]string{t.Header}, t.Rows...) {
		fmt.Fprint(tw, strings.Join(row, "\t")+"\t\n")
	}
	return tw.Flush()
}

func (r Report) writeRatios(b *strings.Builder) error {
	if len(r.Ratios) == 0 {
		return nil
	}
	b.WriteString("\n")
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', 0)
	fmt.Fprint(tw, "ratio (req/s)\tvalue\ttarget\t\n")
	for _, line := range r.Ratios {
		value := r.RatioValue(line)
		fmt.Fprintf(tw, "%s\t%s\t%s\t\n", line.Label, FormatRatio(value), line.target(value))
	}
	return tw.Flush()
}

// target is the line's target column for value: the target and whether it
// was met; empty when the line has none.
func (line RatioLine) target(value float64) string {
	if line.AtLeast <= 0 {
		return ""
	}
	tag := line.TargetTag
	if tag == "" {
		tag = ">= " + FormatRatio(line.AtLeast)
	}
	verdict := "missed"
	if value >= line.AtLeast { // false for NaN
		verdict = "met"
	}
	return tag + "  " + verdict
}

// writeNotes writes what went wrong in the phases (first errors, then
// what partial answers missed) before the report's own notes.
func (r Report) writeNotes(b *strings.Builder) {
	var notes []string
	for _, p := range r.Phases {
		if p.Errors > 0 && p.FirstError != "" {
			notes = append(notes, fmt.Sprintf("%s: first error: %s", p.Name, p.FirstError))
		}
		for _, c := range p.Ceilings {
			if c.Errors > 0 && c.FirstError != "" {
				notes = append(notes, fmt.Sprintf("%s, %s: %s", p.Name, c.Name, c.FirstError))
			}
		}
	}
	for _, p := range r.Phases {
		if len(p.Missing) > 0 {
			notes = append(notes, missingNote(p))
		}
	}
	notes = append(notes, r.Notes...)
	if len(notes) == 0 {
		return
	}
	b.WriteString("\n")
	for _, n := range notes {
		fmt.Fprintf(b, "note: %s\n", n)
	}
}

// missingNote counts a phase's partial answers by the part they missed.
func missingNote(p Summary) string {
	names := slices.Sorted(maps.Keys(p.Missing))
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%s in %d", n, p.Missing[n])
	}
	return fmt.Sprintf("%s: partial answers missed %s (of %d answers)", p.Name, strings.Join(parts, ", "), p.Requests)
}
