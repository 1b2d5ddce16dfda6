package auth

import (
	"crypto/sha256"
	"fmt"
	"path/filepath"
	"testing"
	"time"
)

func TestKeyFileIsCreatedOnceAndShared(t *testing.T) {
	path := filepath.Join(t.TempDir(), "keys", "jwt.pem")
	first, err := LoadOrCreateKeys(path)
	if err != nil {
		t.Fatal(err)
	}
	second, err := LoadOrCreateKeys(path)
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := first.Issue("u1", []string{RoleUser}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	identity, err := second.Verify(token)
	if err != nil {
		t.Fatalf("a second process could not verify the first's token: %v", err)
	}
	if identity.Subject != "u1" || !identity.Has(RoleUser) || identity.Has(RoleAdmin) {
		t.Fatalf("identity %+v", identity)
	}
}

func TestVerifyRejectsTamperedAndUnsignedTokens(t *testing.T) {
	keys, err := GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := keys.Issue("u1", []string{RoleUser}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	tampered := token[:len(token)-2] + "xx"
	// A token claiming alg "none" with admin role, unsigned.
	unsigned := "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJpc3MiOiJtYWxsIiwic3ViIjoiYWRtaW4iLCJyb2xlcyI6WyJhZG1pbiJdLCJleHAiOjQxMDI0NDQ4MDB9."
	for name, bad := range map[string]string{"tampered": tampered, "unsigned": unsigned} {
		if _, err := keys.Verify(bad); err == nil {
			t.Errorf("%s token verified", name)
		}
	}
}

// Verified tokens are remembered, but expiry is checked on every use and a
// token that differs in any byte is verified afresh.
func TestRememberedTokensStillExpireAndCannotBeForged(t *testing.T) {
	keys, err := GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	token, issued, err := keys.Issue("u-1", []string{RoleUser}, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second answer comes from memory
		id, err := keys.Verify(token)
		if err != nil || id.Subject != "u-1" {
			t.Fatalf("verify %v %v", id, err)
		}
	}
	tampered := token[:len(token)-2] + map[bool]string{true: "AA", false: "BB"}[token[len(token)-2:] != "AA"]
	if _, err := keys.Verify(tampered); err == nil {
		t.Fatal("a tampered token was accepted")
	}
	time.Sleep(time.Until(issued.ExpiresAt) + time.Millisecond) // the point: the remembered token's expiry passes
	if _, err := keys.Verify(token); err == nil {
		t.Fatal("an expired token was accepted from memory")
	}
}

// The tokens verified last are remembered: when a generation fills, the
// one before it is forgotten. A remembered token is answered without its
// signature.
func TestTheTokensVerifiedLastAreRemembered(t *testing.T) {
	keys, err := GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	keys.generation = 4
	tokens := make([]string, 10)
	for i := range tokens {
		if tokens[i], _, err = keys.Issue(fmt.Sprintf("u-%d", i), []string{RoleUser}, time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	remembered := func(token string) bool {
		digest := tokenDigest(sha256.Sum256([]byte(token)))
		_, now := keys.verified[digest]
		_, before := keys.verifiedBefore[digest]
		return now || before
	}
	for i, token := range tokens {
		if _, err := keys.Verify(token); err != nil {
			t.Fatal(err)
		}
		if i == 5 { // tokens[1] is in the older generation: using it does not move it
			if _, err := keys.Verify(tokens[1]); err != nil {
				t.Fatal(err)
			}
		}
	}
	for i, token := range tokens {
		want := i >= 4 // the last two generations: tokens 4 to 7, and 8 and 9
		if remembered(token) != want {
			t.Errorf("token %d remembered: %t, want %t", i, !want, want)
		}
	}
	// A remembered token is taken from memory: the signature is not checked.
	digest := tokenDigest(sha256.Sum256([]byte("not a token")))
	keys.verified[digest] = Identity{Subject: "from-memory", ExpiresAt: time.Now().Add(time.Minute)}
	if id, err := keys.Verify("not a token"); err != nil || id.Subject != "from-memory" {
		t.Fatalf("a remembered digest was verified afresh: %v %v", id, err)
	}
}
