// Package clientaddr finds the address a request came from, for limits kept
// per client. It is the connection's peer unless that peer is one of the
// configured trusted proxies; then it is the nearest address, reading
// X-Forwarded-For from the right, that no trusted proxy wrote. Without
// trusted proxies the header is ignored: any client can write it.
package clientaddr

import (
	"fmt"
	"net/http"
	"net/netip"
	"strings"
)

// Resolver knows which proxies' X-Forwarded-For to believe. The zero value
// believes none.
type Resolver struct {
	trusted []netip.Prefix
}

// New trusts the proxies in list: CIDR prefixes ("10.0.0.0/8") or single
// addresses.
func New(list []string) (Resolver, error) {
	var r Resolver
	for _, item := range list {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		prefix, err := netip.ParsePrefix(item)
		if err != nil {
			addr, addrErr := netip.ParseAddr(item)
			if addrErr != nil {
				return Resolver{}, fmt.Errorf("trusted proxy %q: not an address or CIDR prefix", item)
			}
			addr = addr.Unmap()
			prefix = netip.PrefixFrom(addr, addr.BitLen())
		}
		r.trusted = append(r.trusted, prefix.Masked())
	}
	return r, nil
}

func (r Resolver) trusts(addr netip.Addr) bool {
	for _, p := range r.trusted {
		if p.Contains(addr) {
			return true
		}
	}
	return false
}

// Of returns the client address of a request whose connection came from
// peer ("host:port").
func (r Resolver) Of(peer string, header http.Header) netip.Addr {
	client, ok := parsePeer(peer)
	if !ok {
		return netip.Addr{}
	}
	if !r.trusts(client) {
		return client
	}
	var hops []string
	for _, line := range header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(line, ",")...)
	}
	// Each trusted proxy appended the address it was reached from; the
	// first one from the right that is not a trusted proxy is the client.
	// Whatever lies left of it was written by the client and means nothing.
	for i := len(hops) - 1; i >= 0 && r.trusts(client); i-- {
		hop, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		client = hop.Unmap()
	}
	return client
}

func parsePeer(peer string) (netip.Addr, bool) {
	if addrPort, err := netip.ParseAddrPort(peer); err == nil {
		return addrPort.Addr().Unmap(), true
	}
	addr, err := netip.ParseAddr(peer)
	return addr.Unmap(), err == nil
}

// LimitKey is what per-client limits are keyed by: an IPv4 address, or the
// /64 an IPv6 address belongs to (a subscriber is usually given a whole
// /64, so a limit per single IPv6 address would be a fresh budget per
// request for the asking).
func LimitKey(addr netip.Addr) string {
	if !addr.IsValid() {
		return "unknown"
	}
	if addr.Is6() {
		prefix, _ := addr.Prefix(64)
		return prefix.String()
	}
	return addr.String()
}

// KeyOf is LimitKey(r.Of(peer, header)).
func (r Resolver) KeyOf(peer string, header http.Header) string {
	return LimitKey(r.Of(peer, header))
}
