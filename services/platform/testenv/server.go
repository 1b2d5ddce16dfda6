package testenv

import (
	"context"
	"net"
	"testing"

	"mall/services/platform/server"
)

// Serve runs a real platform server for the test on a loopback port,
// mounting what mount adds, and returns its base URL. It stops with the test.
func Serve(t testing.TB, opts server.Options, mount func(srv *server.Server)) string {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = Logger()
	}
	srv := server.New(opts)
	mount(srv)
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = srv.Serve(ctx, listener); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return "http://" + listener.Addr().String()
}
