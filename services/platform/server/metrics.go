package server

import (
	"context"
	"time"

	"connectrpc.com/connect"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
)

// RPC metrics, by procedure and code only (a fixed set: the contracts'
// procedures, Connect's codes), so their cardinality cannot grow with
// traffic.
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

type metricsInterceptor struct{}

func observe(procedure string, start time.Time, err error) {
	code := "ok"
	if err != nil {
		code = connect.CodeOf(err).String()
	}
	rpcRequests.WithLabelValues(procedure, code).Inc()
	rpcDuration.WithLabelValues(procedure).Observe(time.Since(start).Seconds())
}

func (metricsInterceptor) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		start := time.Now()
		rpcInFlight.Inc()
		defer rpcInFlight.Dec()
		res, err := next(ctx, req)
		observe(req.Spec().Procedure, start, err)
		return res, err
	}
}

func (metricsInterceptor) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

func (metricsInterceptor) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		start := time.Now()
		rpcInFlight.Inc()
		defer rpcInFlight.Dec()
		err := next(ctx, conn)
		observe(conn.Spec().Procedure, start, err)
		return err
	}
}
