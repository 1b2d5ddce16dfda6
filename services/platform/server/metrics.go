package server

import (
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// RPC metrics, kept by the access log, by procedure and code only (a
// fixed set: the contracts' procedures, Connect's codes), so their
// cardinality cannot grow with traffic.
var (
	rpcRequests = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "mall_rpc_server_requests_total",
		Help: "RPCs handled, by procedure and Connect code (ok for success).",
	}, []string{"procedure", "code"})
	rpcDuration = promauto.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "mall_rpc_server_duration_seconds",
		Help:    "Time to handle an RPC, by procedure.",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	}, []string{"procedure"})
	rpcInFlight = promauto.NewGauge(prometheus.GaugeOpts{
		Name: "mall_rpc_server_in_flight",
		Help: "RPCs being handled now.",
	})
)

// procedureMetrics are one procedure's series, resolved once: looking
// label values up on every call (hashing them, a map under a lock) showed
// in a small RPC's profile.
type procedureMetrics struct {
	procedure string
	duration  prometheus.Observer
	requests  sync.Map // code -> prometheus.Counter, made on first use
}

// procedures caches procedureMetrics by procedure. Only mounted handlers
// measure calls, so it holds the contracts' procedures at most.
var procedures sync.Map // procedure -> *procedureMetrics

func rpcMetricsOf(procedure string) *procedureMetrics {
	if m, ok := procedures.Load(procedure); ok {
		return m.(*procedureMetrics)
	}
	m, _ := procedures.LoadOrStore(procedure, &procedureMetrics{procedure: procedure, duration: rpcDuration.WithLabelValues(procedure)})
	return m.(*procedureMetrics)
}

func (m *procedureMetrics) observe(code string, elapsed time.Duration) {
	counter, ok := m.requests.Load(code)
	if !ok {
		counter, _ = m.requests.LoadOrStore(code, rpcRequests.WithLabelValues(m.procedure, code))
	}
	counter.(prometheus.Counter).Inc()
	m.duration.Observe(elapsed.Seconds())
}
