package server

import (
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
