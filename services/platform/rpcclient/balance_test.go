package rpcclient

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

func echoServer(t *testing.T, hits *atomic.Int64) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		body, _ := io.ReadAll(r.Body)
		_, _ = w.Write(body)
	}))
	// The services speak h2c, as HTTPClient does.
	srv.Config.Protocols = new(http.Protocols)
	srv.Config.Protocols.SetUnencryptedHTTP2(true)
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

// deadURL is an address nothing listens on.
func deadURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return "http://" + addr
}

func post(t *testing.T, client *http.Client, base, body string) string {
	t.Helper()
	res, err := client.Post(base+"/echo", "text/plain", bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	got, _ := io.ReadAll(res.Body)
	return string(got)
}

func TestInternalTakesTurnsAndSkipsAnUnreachableBackend(t *testing.T) {
	var a, b atomic.Int64
	srvA, srvB := echoServer(t, &a), echoServer(t, &b)
	client, base, err := Internal(srvA.URL + ", " + srvB.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		if got := post(t, client, base, "hello"); got != "hello" {
			t.Fatalf("call %d answered %q", i, got)
		}
	}
	if a.Load() != 5 || b.Load() != 5 {
		t.Fatalf("turns: %d and %d, want 5 and 5", a.Load(), b.Load())
	}

	// One backend gone: every call still answered, with its body, by the other.
	var c atomic.Int64
	srvC := echoServer(t, &c)
	client, base, err = Internal(deadURL(t) + "," + srvC.URL)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		if got := post(t, client, base, "payload"); got != "payload" {
			t.Fatalf("call %d answered %q", i, got)
		}
	}
	if c.Load() != 10 {
		t.Fatalf("the live backend answered %d of 10", c.Load())
	}

	// All gone: the error is the dial's.
	client, base, err = Internal(deadURL(t) + "," + deadURL(t))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.Post(base+"/echo", "text/plain", bytes.NewReader(nil)); err == nil {
		t.Fatal("a call with no backend succeeded")
	}
}

func TestInternalRejectsBadURLs(t *testing.T) {
	for _, bad := range []string{"", " , ", "127.0.0.1:8080", "ftp://x:1", "http://"} {
		if _, _, err := Internal(bad); err == nil {
			t.Errorf("Internal(%q) accepted", bad)
		}
	}
	if _, base, err := Internal("http://127.0.0.1:8080/"); err != nil || base != "http://127.0.0.1:8080" {
		t.Fatalf("one URL: %q %v", base, err)
	}
}
