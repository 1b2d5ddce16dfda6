package provider

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestSignAndVerifyWebhook(t *testing.T) {
	secret := []byte("whsec_test")
	payload := []byte(`{"id":"evt_1","type":"charge.succeeded","sequence":2}`)
	signedAt := time.Unix(1_800_000_000, 0)
	header := SignWebhook(secret, payload, signedAt)

	if !strings.HasPrefix(header, "t=1800000000,v1=") || len(header) != len("t=1800000000,v1=")+64 {
		t.Fatalf("header %q: want t=<unix>,v1=<64 hex>", header)
	}
	// Same inputs, same signature; a different time, a different one.
	if again := SignWebhook(secret, payload, signedAt); again != header {
		t.Fatalf("not deterministic: %q vs %q", header, again)
	}
	if other := SignWebhook(secret, payload, signedAt.Add(time.Second)); other == header {
		t.Fatal("the timestamp is not part of the signature")
	}

	tolerance := 5 * time.Minute
	tests := []struct {
		name    string
		secret  []byte
		payload []byte
		header  string
		now     time.Time
		want    error
	}{
		{"good", secret, payload, header, signedAt, nil},
		{"good within tolerance after", secret, payload, header, signedAt.Add(tolerance), nil},
		{"good within tolerance before (clock skew)", secret, payload, header, signedAt.Add(-tolerance), nil},
		{"tampered payload", secret, []byte(strings.Replace(string(payload), "succeeded", "declined ", 1)), header, signedAt, ErrBadSignature},
		{"payload with a byte appended", secret, append(append([]byte{}, payload...), ' '), header, signedAt, ErrBadSignature},
		{"wrong secret", []byte("whsec_other"), payload, header, signedAt, ErrBadSignature},
		{"stale", secret, payload, header, signedAt.Add(tolerance + time.Second), ErrStaleSignature},
		{"from the future", secret, payload, header, signedAt.Add(-tolerance - time.Second), ErrStaleSignature},
		{"timestamp changed", secret, payload, strings.Replace(header, "t=1800000000", "t=1800000001", 1), signedAt, ErrBadSignature},
		{"empty header", secret, payload, "", signedAt, ErrBadSignature},
		{"no v1", secret, payload, "t=1800000000", signedAt, ErrBadSignature},
		{"no t", secret, payload, header[strings.Index(header, "v1="):], signedAt, ErrBadSignature},
		{"garbage", secret, payload, "not a signature", signedAt, ErrBadSignature},
		{"t not a number", secret, payload, strings.Replace(header, "t=1800000000", "t=soon", 1), signedAt, ErrBadSignature},
		{"v1 not hex", secret, payload, "t=1800000000,v1=zz" + strings.Repeat("0", 62), signedAt, ErrBadSignature},
		{"v1 truncated", secret, payload, header[:len(header)-2], signedAt, ErrBadSignature},
		{"two timestamps", secret, payload, header + ",t=1800000000", signedAt, ErrBadSignature},
		{"rotated secret: one of two v1 matches", secret, payload,
			SignWebhook([]byte("old"), payload, signedAt) + ",v1=" + header[strings.Index(header, "v1=")+3:], signedAt, nil},
		{"spaces after commas", secret, payload, strings.Replace(header, ",", ", ", 1), signedAt, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := VerifyWebhook(tc.secret, tc.payload, tc.header, tc.now, tolerance)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("VerifyWebhook: %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("VerifyWebhook: %v, want %v", err, tc.want)
			}
		})
	}
}

// A stale signature is reported only once the HMAC is right: a forged old
// delivery is a bad signature, not a stale one.
func TestVerifyWebhookChecksTheHMACBeforeTheAge(t *testing.T) {
	payload := []byte(`{}`)
	old := time.Unix(1_700_000_000, 0)
	header := SignWebhook([]byte("attacker"), payload, old)
	err := VerifyWebhook([]byte("secret"), payload, header, old.Add(time.Hour), time.Minute)
	if !errors.Is(err, ErrBadSignature) {
		t.Fatalf("got %v, want ErrBadSignature", err)
	}
}

func TestSignWebhookMatchesTheDocumentedFormula(t *testing.T) {
	// HMAC-SHA256("key", "1.{}"), computed independently:
	//   printf '1.{}' | openssl dgst -sha256 -hmac key
	got := SignWebhook([]byte("key"), []byte("{}"), time.Unix(1, 0))
	want := "t=1,v1=1ba6b8171186efc613e8bcc0cbdab2748f24984d7c5a84faa2637afa0e40d224"
	if got != want {
		t.Fatalf("SignWebhook = %q, want %q", got, want)
	}
}
