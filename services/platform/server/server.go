// Package server mounts any set of Connect handlers on one port and serves
// Connect (JSON and binary), gRPC and gRPC-Web over HTTP/1.1 and h2c, with
// health, reflection, validation, authentication, HTTP caching of public
// reads, CORS, access logs, panic recovery and graceful shutdown. It knows
// no domain.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"strings"
	"time"

	"connectrpc.com/connect"
	connectcors "connectrpc.com/cors"
	"connectrpc.com/grpchealth"
	"connectrpc.com/grpcreflect"
	"connectrpc.com/validate"
	"github.com/rs/cors"

	"mall/services/platform/auth"
	"mall/services/platform/rpcerr"
	"mall/services/platform/telemetry"
)

// Options configure a Server.
type Options struct {
	Logger        *slog.Logger
	Authenticator *auth.Authenticator
	// CORSOrigins may call from a browser on another origin; empty: none
	// (the CORS layer is left out, so browsers keep their same-origin rule).
	CORSOrigins     []string
	ShutdownTimeout time.Duration
	// MaxRequestBytes bounds a request body on the wire and an RPC's
	// message after decompression (0: DefaultMaxRequestBytes).
	MaxRequestBytes int64
	// RequestReadTimeout bounds how long a request body may take to
	// arrive (0: DefaultRequestReadTimeout).
	RequestReadTimeout time.Duration
	// Metrics serves /metrics: set on the ops address only, so what the
	// process measures is not published on the API.
	Metrics bool
	// Profiling serves Go's profiles under /debug/pprof/ (CPU, heap,
	// allocations, goroutines, execution trace): the ops address only, for
	// the same reason.
	Profiling bool
	// Interceptors run on every call, the caller identified, inside the
	// access log and around the error sanitizer (they see the errors
	// clients get): e.g. the audit log of operator actions.
	Interceptors []connect.Interceptor
	// Reflection serves gRPC server reflection (schema discovery for
	// grpcurl and buf curl). Off by default: the only streaming RPC on the
	// port, and a map of the API nobody outside needs.
	Reflection bool
}

// Server collects handlers and serves them.
type Server struct {
	opts     Options
	mux      *http.ServeMux
	services []string
	gates    []readinessGate
}

// readinessGate holds a mounted service back from serving until ready.
type readinessGate struct {
	service string
	ready   func() bool
}

// New returns an empty server.
func New(opts Options) *Server {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.ShutdownTimeout == 0 {
		opts.ShutdownTimeout = 15 * time.Second
	}
	if opts.MaxRequestBytes <= 0 {
		opts.MaxRequestBytes = DefaultMaxRequestBytes
	}
	if opts.RequestReadTimeout <= 0 {
		opts.RequestReadTimeout = DefaultRequestReadTimeout
	}
	return &Server{opts: opts, mux: http.NewServeMux()}
}

// HandlerOptions are the options every generated handler is built with.
// Order matters: the access log sees the final code, errors are sanitized
// after recovery turned a panic into an error, validation runs innermost.
func (s *Server) HandlerOptions() []connect.HandlerOption {
	logger := s.opts.Logger
	return []connect.HandlerOption{
		// The span comes first, so every line logged while handling the
		// call (the access log included) carries its trace id.
		connect.WithInterceptors(append(append([]connect.Interceptor{tracing(), newAccessLog(logger)}, s.opts.Interceptors...),
			rpcerr.NewInterceptor(logger))...),
		connect.WithRecover(func(ctx context.Context, spec connect.Spec, _ http.Header, panicked any) error {
			logger.ErrorContext(ctx, "handler panicked", "procedure", spec.Procedure, "panic", fmt.Sprint(panicked))
			return rpcerr.Internal()
		}),
		connect.WithInterceptors(validate.NewInterceptor()),
		// Compressing small answers costs more CPU (a flate reset per
		// message) than it saves bytes; answers above 1 KiB (pages,
		// listings) are still gzipped for clients that accept it (public
		// GET RPCs by the HTTP cache layer instead, once per body).
		connect.WithCompressMinBytes(compressMinBytes),
		// A small compressed body may inflate to gigabytes: the limit holds
		// after decompression too.
		connect.WithReadMaxBytes(int(s.opts.MaxRequestBytes)),
	}
}

const compressMinBytes = 1024

// readiness answers gRPC health: the mounted services, each held back by
// its readiness gates; the process ("") is serving once every gate is open.
type readiness struct {
	static *grpchealth.StaticChecker
	gates  []readinessGate
}

func (r *readiness) Check(ctx context.Context, req *grpchealth.CheckRequest) (*grpchealth.CheckResponse, error) {
	for _, g := range r.gates {
		if (req.Service == "" || req.Service == g.service) && !g.ready() {
			return &grpchealth.CheckResponse{Status: grpchealth.StatusNotServing}, nil
		}
	}
	return r.static.Check(ctx, req)
}

// Mount registers a generated handler, as returned by New<Service>Handler.
func (s *Server) Mount(path string, handler http.Handler) {
	s.mux.Handle(path, handler)
	s.services = append(s.services, strings.Trim(path, "/"))
}

// ReadyWhen reports service, and the process as a whole, not serving in
// gRPC health until ready answers true: a load balancer or Kubernetes
// readiness probe then keeps requests on the processes that can answer
// them (a search index still reading its topic, say).
func (s *Server) ReadyWhen(service string, ready func() bool) {
	s.gates = append(s.gates, readinessGate{service: service, ready: ready})
}

// Services lists the fully-qualified names of the mounted services.
func (s *Server) Services() []string { return append([]string(nil), s.services...) }

// Handle registers a plain HTTP handler (static files, webhooks).
func (s *Server) Handle(pattern string, handler http.Handler) { s.mux.Handle(pattern, handler) }

// Handler returns the complete HTTP handler: health, reflection (when
// Options.Reflection), Prometheus
// metrics (/metrics, when Options.Metrics), the mounted services, wrapped in
// authentication, HTTP caching of public GET RPCs (httpcache.go), CORS and
// the request limits.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", s.mux)
	// Health answers a few bytes: compressing them (a caller accepting
	// gzip) would cost more than it saves, as for every other answer.
	mux.Handle(grpchealth.NewHandler(&readiness{static: grpchealth.NewStaticChecker(s.services...), gates: s.gates},
		connect.WithCompressMinBytes(compressMinBytes)))
	if s.opts.Reflection {
		reflector := grpcreflect.NewStaticReflector(s.services...)
		readLimit := connect.WithReadMaxBytes(int(s.opts.MaxRequestBytes))
		mux.Handle(grpcreflect.NewHandlerV1(reflector, readLimit))
		mux.Handle(grpcreflect.NewHandlerV1Alpha(reflector, readLimit))
	}
	if s.opts.Metrics {
		mux.Handle("/metrics", telemetry.MetricsHandler())
	}
	if s.opts.Profiling {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	var handler http.Handler = mux
	if s.opts.Authenticator != nil {
		handler = s.opts.Authenticator.Middleware().Wrap(handler)
	}
	handler = newPublicCache(compressMinBytes).wrap(handler)
	// rs/cors reads an empty list as "every origin": no list, no layer.
	if len(s.opts.CORSOrigins) > 0 {
		handler = cors.New(cors.Options{
			AllowedOrigins: s.opts.CORSOrigins,
			AllowedMethods: connectcors.AllowedMethods(),
			AllowedHeaders: append(connectcors.AllowedHeaders(), "Authorization"),
			ExposedHeaders: connectcors.ExposedHeaders(),
			MaxAge:         7200,
		}).Handler(handler)
	}
	return limitRequests(handler, s.opts.MaxRequestBytes, s.opts.RequestReadTimeout)
}

// HTTPServer returns an http.Server that speaks HTTP/1.1 and h2c, with
// timeouts that bound slow clients without cutting off streaming RPCs.
func (s *Server) HTTPServer() *http.Server {
	protocols := new(http.Protocols)
	protocols.SetHTTP1(true)
	protocols.SetUnencryptedHTTP2(true)
	return &http.Server{
		Handler:           s.Handler(),
		Protocols:         protocols,
		ReadHeaderTimeout: 5 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.opts.Logger.Handler(), slog.LevelWarn),
	}
}

// Serve answers on listener until ctx ends, then drains in-flight requests
// for at most the shutdown timeout.
func (s *Server) Serve(ctx context.Context, listener net.Listener) error {
	httpServer := s.HTTPServer()
	errc := make(chan error, 1)
	go func() { errc <- httpServer.Serve(listener) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opts.ShutdownTimeout)
	defer cancel()
	err := httpServer.Shutdown(shutdownCtx)
	if serveErr := <-errc; serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	return err
}

// ListenAndServe listens on addr and serves until ctx ends.
func (s *Server) ListenAndServe(ctx context.Context, addr string) error {
	listener, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return s.Serve(ctx, listener)
}
