package bench

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// Counts are a counter's values by one of its labels.
type Counts map[string]float64

// Sub is what c counted since before (every label of either).
func (c Counts) Sub(before Counts) Counts {
	diff := Counts{}
	for k, v := range c {
		if d := v - before[k]; d != 0 {
			diff[k] = d
		}
	}
	for k, v := range before {
		if _, ok := c[k]; !ok && v != 0 {
			diff[k] = -v
		}
	}
	return diff
}

// Total is the sum over every label value.
func (c Counts) Total() float64 {
	var total float64
	for _, v := range c {
		total += v
	}
	return total
}

// Series picks a counter's series: those of Name whose labels match Where,
// summed by the value of label By ("" for series without it).
type Series struct {
	Name  string
	By    string
	Where map[string]string
}

// ScrapeCounter reads the Prometheus text at metricsURL (a server's
// /metrics) and returns the series' values.
func ScrapeCounter(ctx context.Context, client *http.Client, metricsURL string, series Series) (Counts, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, metricsURL, nil)
	if err != nil {
		return nil, err
	}
	res, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", metricsURL, res.Status)
	}
	return ParseCounter(res.Body, series)
}

// ParseCounter reads a counter's series from Prometheus text exposition.
func ParseCounter(r io.Reader, series Series) (Counts, error) {
	counts := Counts{}
	lines := bufio.NewScanner(r)
	lines.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for lines.Scan() {
		line := lines.Text()
		rest, ok := strings.CutPrefix(line, series.Name)
		if !ok || (rest != "" && rest[0] != '{' && rest[0] != ' ') {
			continue // another metric, a comment, or a longer name
		}
		labels, value := "", strings.TrimSpace(rest)
		if strings.HasPrefix(rest, "{") {
			end := strings.LastIndexByte(rest, '}')
			if end < 0 {
				return nil, fmt.Errorf("metrics line %q", line)
			}
			labels, value = rest[1:end], strings.TrimSpace(rest[end+1:])
		}
		if fields := strings.Fields(value); len(fields) > 0 {
			value = fields[0] // a timestamp may follow
		}
		v, err := strconv.ParseFloat(value, 64)
		if err != nil {
			return nil, fmt.Errorf("metrics line %q: %w", line, err)
		}
		values := parseLabels(labels)
		if matches(values, series.Where) {
			counts[values[series.By]] += v
		}
	}
	return counts, lines.Err()
}

func matches(values, where map[string]string) bool {
	for k, v := range where {
		if values[k] != v {
			return false
		}
	}
	return true
}

// parseLabels reads a series' labels (`a="x",b="y"`; values escaped).
func parseLabels(labels string) map[string]string {
	values := map[string]string{}
	for labels != "" {
		key, rest, ok := strings.Cut(labels, `="`)
		if !ok {
			break
		}
		end := 0 // the closing quote: \" does not end a value
		for end < len(rest) && rest[end] != '"' {
			if rest[end] == '\\' {
				end++
			}
			end++
		}
		raw := rest[:min(end, len(rest))]
		value, err := strconv.Unquote(`"` + raw + `"`)
		if err != nil {
			value = raw
		}
		values[strings.TrimSpace(key)] = value
		labels = strings.TrimPrefix(rest[min(end+1, len(rest)):], ",")
	}
	return values
}
