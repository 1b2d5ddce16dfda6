package provider

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

var (
	// ErrBadSignature: the header is malformed or the HMAC does not match.
	ErrBadSignature = errors.New("payment webhook: bad signature")
	// ErrStaleSignature: the signature is valid but its timestamp is outside
	// the tolerance (a replay of an old delivery).
	ErrStaleSignature = errors.New("payment webhook: stale signature")
)

// SignWebhook returns the signature header value for payload signed at t:
// "t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + payload)>".
func SignWebhook(secret, payload []byte, t time.Time) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	return "t=" + ts + ",v1=" + hex.EncodeToString(webhookMAC(secret, ts, payload))
}

func webhookMAC(secret []byte, ts string, payload []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte(ts))
	m.Write([]byte{'.'})
	m.Write(payload)
	return m.Sum(nil)
}

// VerifyWebhook checks the HMAC in constant time and that |now - t| <= tolerance
// (ErrStaleSignature otherwise: a replay of an old delivery). A malformed header
// or a wrong HMAC is ErrBadSignature. Several v1 values are accepted (any may match),
// which allows rotating the secret.
func VerifyWebhook(secret, payload []byte, header string, now time.Time, tolerance time.Duration) error {
	var ts string
	var sigs [][]byte
	for _, part := range strings.Split(header, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return fmt.Errorf("%w: malformed header", ErrBadSignature)
		}
		switch k {
		case "t":
			if ts != "" {
				return fmt.Errorf("%w: malformed header", ErrBadSignature)
			}
			ts = v
		case "v1":
			b, err := hex.DecodeString(v)
			if err != nil || len(b) != sha256.Size {
				return fmt.Errorf("%w: malformed v1", ErrBadSignature)
			}
			sigs = append(sigs, b)
		}
	}
	if ts == "" || len(sigs) == 0 {
		return fmt.Errorf("%w: missing t or v1", ErrBadSignature)
	}
	unix, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: malformed t", ErrBadSignature)
	}
	want := webhookMAC(secret, ts, payload)
	match := false
	for _, s := range sigs {
		if hmac.Equal(s, want) {
			match = true
		}
	}
	if !match {
		return ErrBadSignature
	}
	age := now.Sub(time.Unix(unix, 0))
	if age < 0 {
		age = -age
	}
	if age > tolerance {
		return ErrStaleSignature
	}
	return nil
}
