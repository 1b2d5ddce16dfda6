package testenv

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// CounterValue is the value of the counter name with exactly labels in
// the process's default Prometheus registry (what /metrics serves), or 0
// when it has not been counted yet. Counters are process-wide: compare
// values from before and after what a test does.
func CounterValue(t testing.TB, name string, labels map[string]string) float64 {
	t.Helper()
	families, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, family := range families {
		if family.GetName() != name {
			continue
		}
		for _, metric := range family.GetMetric() {
			pairs := metric.GetLabel()
			matches := len(pairs) == len(labels)
			for _, pair := range pairs {
				matches = matches && labels[pair.GetName()] == pair.GetValue()
			}
			if matches {
				return metric.GetCounter().GetValue()
			}
		}
	}
	return 0
}
