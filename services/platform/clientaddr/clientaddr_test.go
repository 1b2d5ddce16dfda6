package clientaddr

import (
	"net/http"
	"testing"
)

func TestForwardedForIsBelievedOnlyFromTrustedProxies(t *testing.T) {
	proxies, err := New([]string{"10.0.0.0/8", "192.168.1.7"})
	if err != nil {
		t.Fatal(err)
	}
	header := func(values ...string) http.Header {
		h := http.Header{}
		for _, v := range values {
			h.Add("X-Forwarded-For", v)
		}
		return h
	}
	cases := []struct {
		name     string
		resolver Resolver
		peer     string
		header   http.Header
		want     string
	}{
		{"no trusted proxies: the header is ignored", Resolver{}, "203.0.113.9:5000", header("198.51.100.1"), "203.0.113.9"},
		{"an untrusted peer cannot claim an address", proxies, "203.0.113.9:5000", header("198.51.100.1"), "203.0.113.9"},
		{"one trusted proxy", proxies, "10.1.2.3:443", header("198.51.100.1"), "198.51.100.1"},
		{"a client-written prefix is skipped", proxies, "10.1.2.3:443", header("1.2.3.4, 198.51.100.1"), "198.51.100.1"},
		{"a chain of trusted proxies", proxies, "10.1.2.3:443", header("198.51.100.1, 192.168.1.7", "10.9.9.9"), "198.51.100.1"},
		{"junk stops at the last trusted hop", proxies, "10.1.2.3:443", header("198.51.100.1, not-an-ip"), "10.1.2.3"},
		{"a trusted proxy without a header", proxies, "10.1.2.3:443", header(), "10.1.2.3"},
		{"IPv4-mapped IPv6 peer", proxies, "[::ffff:10.1.2.3]:443", header("198.51.100.1"), "198.51.100.1"},
	}
	for _, c := range cases {
		if got := c.resolver.Of(c.peer, c.header).String(); got != c.want {
			t.Errorf("%s: got %s, want %s", c.name, got, c.want)
		}
	}
	if _, err := New([]string{"10.0.0.0/99"}); err == nil {
		t.Error("a bad prefix was accepted")
	}
}

func TestIPv6AddressesOfOneSubscriberShareAKey(t *testing.T) {
	var r Resolver
	a := r.KeyOf("[2001:db8:1:2::1]:5000", nil)
	b := r.KeyOf("[2001:db8:1:2:ffff::9]:5000", nil)
	c := r.KeyOf("[2001:db8:1:3::1]:5000", nil)
	if a != b || a == c {
		t.Fatalf("keys %s %s %s: want the first two equal (one /64) and the third different", a, b, c)
	}
	if got := r.KeyOf("127.0.0.1:80", nil); got != "127.0.0.1" {
		t.Fatalf("IPv4 key %s", got)
	}
}
