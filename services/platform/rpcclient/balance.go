package rpcclient

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// Internal returns the HTTP client and base URL for calling the services
// at urls: one base URL, or several separated by commas (every serve
// process of a deployment without a load balancer in front). With several,
// calls take turns, and a call that cannot reach one (refused, unreachable:
// nothing was sent) goes to the next, which is then skipped for a moment.
// A call that reached a process that then died is not retried here: its
// caller decides (the mall's internal calls are idempotent and retried).
func Internal(urls string) (*http.Client, string, error) {
	var backends []*url.URL
	for _, raw := range strings.Split(urls, ",") {
		raw = strings.TrimSpace(raw)
		if raw == "" {
			continue
		}
		u, err := url.Parse(strings.TrimRight(raw, "/"))
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return nil, "", fmt.Errorf("internal URL %q: want http(s)://host:port", raw)
		}
		backends = append(backends, u)
	}
	switch len(backends) {
	case 0:
		return nil, "", errors.New("no internal URL")
	case 1:
		return HTTPClient(), backends[0].String(), nil
	}
	client := HTTPClient()
	client.Transport = &balancer{next: client.Transport, backends: backends, downUntil: make([]atomic.Int64, len(backends))}
	// The host is replaced by a backend's on every request.
	return client, "http://mall-services", nil
}

const downFor = 2 * time.Second

type balancer struct {
	next      http.RoundTripper
	backends  []*url.URL
	turn      atomic.Uint64
	downUntil []atomic.Int64 // unix nanoseconds
}

func (b *balancer) RoundTrip(req *http.Request) (*http.Response, error) {
	n := len(b.backends)
	first := int(b.turn.Add(1) % uint64(n))
	now := time.Now().UnixNano()
	var lastErr error
	tried := 0
	for i := range n {
		idx := (first + i) % n
		// A backend that just failed is skipped; the last in this call's
		// order is tried whatever its state, so a call never ends untried.
		if b.downUntil[idx].Load() > now && i < n-1 {
			continue
		}
		attempt := req.Clone(req.Context())
		attempt.URL.Scheme, attempt.URL.Host, attempt.Host = b.backends[idx].Scheme, b.backends[idx].Host, ""
		if tried > 0 {
			if req.GetBody == nil {
				break // the body is gone with the first attempt
			}
			body, err := req.GetBody()
			if err != nil {
				return nil, err
			}
			attempt.Body = body
		}
		tried++
		res, err := b.next.RoundTrip(attempt)
		if err == nil || !notSent(err) {
			return res, err
		}
		b.downUntil[idx].Store(time.Now().Add(downFor).UnixNano())
		lastErr = err
	}
	if lastErr == nil {
		lastErr = errors.New("no internal backend answered")
	}
	return nil, lastErr
}

// notSent reports errors that mean the request never reached the backend.
func notSent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EHOSTUNREACH)
}
