package server

import (
	"bytes"
	"compress/gzip"
	"io"
	"strings"
	"testing"
)

func TestBodyMemoForgetsTheLeastRecentlyUsed(t *testing.T) {
	m := newBodyMemo(2, 12)
	source := []byte("s") // each entry counts its source's byte too
	m.put("a", source, []byte("aaa"))
	m.put("b", source, []byte("bbb"))
	if _, ok := m.get("a", source); !ok { // a is now the most recent
		t.Fatal("a forgotten too early")
	}
	m.put("c", source, []byte("ccc")) // over 2 entries: b goes
	if _, ok := m.get("b", source); ok {
		t.Fatal("b kept beyond the entry bound")
	}
	m.put("d", source, []byte("dddddddd")) // over 12 bytes: the oldest go until it fits
	for key, want := range map[string]bool{"a": false, "c": false, "d": true} {
		if _, ok := m.get(key, source); ok != want {
			t.Errorf("%s remembered: %v, want %v", key, ok, want)
		}
	}
	if m.bytes != 9 || m.order.Len() != 1 || len(m.entries) != 1 {
		t.Fatalf("accounting: %d bytes, %d in order, %d in map", m.bytes, m.order.Len(), len(m.entries))
	}
}

// Two bodies whose tags collide never get each other's compressed body:
// the memo compares what a body was made from, which it keeps as a copy.
func TestBodyMemoComparesTheSource(t *testing.T) {
	m := newBodyMemo(4, 1<<10)
	source := []byte("the first page")
	m.put("tag/gzip", source, []byte("compressed first page"))
	source[4] = 'F' // the caller reuses its buffer
	if _, ok := m.get("tag/gzip", source); ok {
		t.Fatal("another body got the first one's compressed bytes")
	}
	if got, ok := m.get("tag/gzip", []byte("the first page")); !ok || string(got) != "compressed first page" {
		t.Fatalf("the first page's own: %q %v", got, ok)
	}
}

func TestABodyIsGzippedOnce(t *testing.T) {
	c := newPublicCache(0)
	body := []byte(strings.Repeat("home page ", 500))
	first := c.gzipped("tag", body)
	second := c.gzipped("tag", body)
	if &first[0] != &second[0] {
		t.Fatal("the same body was compressed twice")
	}
	zr, err := gzip.NewReader(bytes.NewReader(second))
	if err != nil {
		t.Fatal(err)
	}
	decoded, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(decoded, body) {
		t.Fatalf("decoded %d bytes (%v), want %d", len(decoded), err, len(body))
	}
}

func TestAccepts(t *testing.T) {
	for header, want := range map[string]bool{
		"":                  false,
		"gzip":              true,
		"GZIP":              true,
		"br, gzip;q=0.5":    true,
		"gzip;q=0":          false,
		"gzip; q=0.000":     false,
		"gzip;q=nonsense":   false,
		"*":                 true,
		"*;q=0":             false,
		"*, gzip;q=0":       false,
		"gzip;q=0.1, *;q=0": true,
		"deflate, br, zstd": false,
		"identity":          false,
		" gzip , deflate ":  true,
	} {
		if got := accepts(header, "gzip"); got != want {
			t.Errorf("accepts(%q, gzip) = %v, want %v", header, got, want)
		}
	}
}
