package bench

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
)

// RatioLine compares the req/s of two phases, optionally against a target.
type RatioLine struct {
	Label     string
	Num, Den  string  // phase names
	AtLeast   float64 // target minimum; 0 for none
	TargetTag string  // how the target is shown, e.g. ">= 0.70x"; derived when empty
}

// Report is the printed result of a benchmark run.
type Report struct {
	Title  string
	Setup  []string // lines describing the run (concurrency, durations, encoding)
	Phases []Summary
	Ratios []RatioLine
	Notes  []string
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
	den, ok2 := r.phase(line.Den)
	if !ok1 || !ok2 {
		return Ratio(0, 0)
	}
	return Ratio(num.RPS(), den.RPS())
}

// Render writes the report as aligned plain-text tables.
func (r Report) Render(w io.Writer) error {
	var b strings.Builder
	if r.Title != "" {
		fmt.Fprintf(&b, "%s\n", r.Title)
	}
	for _, line := range r.Setup {
		fmt.Fprintf(&b, "  %s\n", line)
	}
	b.WriteString("\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "phase\trequests\treq/s\tp50\tp99\terrors\tpartial\t\n")
	for _, p := range r.Phases {
		fmt.Fprintf(tw, "%s\t%d\t%.0f\t%s\t%s\t%d\t%d\t\n", p.Name, p.Requests, p.RPS(), FormatLatency(p.P50), FormatLatency(p.P99), p.Errors, p.Partial)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(r.Ratios) > 0 {
		b.WriteString("\n")
		tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		fmt.Fprint(tw, "ratio (req/s)\tvalue\ttarget\t\n")
		for _, line := range r.Ratios {
			value := r.RatioValue(line)
			target := ""
			if line.AtLeast > 0 {
				tag := line.TargetTag
				if tag == "" {
					tag = ">= " + FormatRatio(line.AtLeast)
				}
				verdict := "missed"
				if value >= line.AtLeast { // false for NaN
					verdict = "met"
				}
				target = tag + "  " + verdict
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t\n", line.Label, FormatRatio(value), target)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	var errorNotes []string
	for _, p := range r.Phases {
		if p.Errors > 0 && p.FirstError != "" {
			errorNotes = append(errorNotes, fmt.Sprintf("%s: first error: %s", p.Name, p.FirstError))
		}
	}
	for _, p := range r.Phases {
		if len(p.Missing) == 0 {
			continue
		}
		names := slices.Sorted(maps.Keys(p.Missing))
		parts := make([]string, len(names))
		for i, n := range names {
			parts[i] = fmt.Sprintf("%s in %d", n, p.Missing[n])
		}
		errorNotes = append(errorNotes, fmt.Sprintf("%s: partial answers missed %s (of %d answers)", p.Name, strings.Join(parts, ", "), p.Requests))
	}
	if notes := append(errorNotes, r.Notes...); len(notes) > 0 {
		b.WriteString("\n")
		for _, n := range notes {
			fmt.Fprintf(&b, "note: %s\n", n)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
