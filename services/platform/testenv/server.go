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
	listener := Listen(t)
	ServeOn(t, srv, listener)
	return "http://" + listener.Addr().String()
}

// Listen opens a loopback listener that closes with the test: for servers
// whose handlers need the server's own address before they are built.
func Listen(t testing.TB) net.Listener {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { listener.Close() })
	return listener
}

// FreeAddr returns a loopback address no one listens on, for a process the
// test starts that opens its own listener.
func FreeAddr(t testing.TB) string {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer listener.Close()
	return listener.Addr().String()
}

// ServeOn runs srv on listener until the test ends.
func ServeOn(t testing.TB, srv *server.Server, listener net.Listener) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = srv.Serve(ctx, listener); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}
