package auth

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
)

const issuer = "mall"

// Keys signs and verifies the platform's tokens (EdDSA over Ed25519).
type Keys struct {
	private ed25519.PrivateKey
	public  ed25519.PublicKey

	// verified remembers tokens whose signature checked out, by their
	// SHA-256: verifying an Ed25519 signature is the largest CPU cost of a
	// small authenticated call, and a shopper sends the same token many
	// times. A digest (32 bytes, not the ~300 of a token) keeps a flash
	// sale's every buyer in memory; finding another token of the same
	// digest is as hard as breaking SHA-256. Expiry is still checked on
	// every use; revocation is the authenticator's, per call. Two
	// generations: when the current one is full, the one before it is
	// forgotten, so the tokens verified last stay. A token still in use
	// when its generation goes is verified once more (moving it on every
	// use instead would churn the generations whenever more tokens are in
	// play than one holds, as during a sale).
	// Every authenticated call reads them; only a token not seen before
	// writes.
	mu                       sync.RWMutex
	verified, verifiedBefore map[tokenDigest]Identity
	generation               int // verifiedGeneration, smaller in tests
}

type tokenDigest [sha256.Size]byte

// verifiedGeneration bounds each generation of remembered tokens (so the
// last 300 000 verified are always remembered, and at most twice as many,
// about 240 bytes each: 144 MB when full): enough for a flash sale's
// buyers, whose tokens the process saw while they waited on the sale page,
// to be answered without a signature check, even after as many other
// tokens were seen meanwhile.
const verifiedGeneration = 300_000

// NewKeys wraps an existing private key.
func NewKeys(private ed25519.PrivateKey) *Keys {
	return &Keys{private: private, public: private.Public().(ed25519.PublicKey), verified: map[tokenDigest]Identity{}, verifiedBefore: map[tokenDigest]Identity{},
		generation: verifiedGeneration}
}

// GenerateKeys makes a fresh key pair (tests, one-off tools).
func GenerateKeys() (*Keys, error) {
	_, private, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	return NewKeys(private), nil
}

// LoadOrCreateKeys reads a PKCS#8 PEM key from path, creating it when the
// file does not exist, so every local process shares one dev key. Only
// development uses it: elsewhere a missing key is an error (LoadKeys), since
// a key made up by one process is a key no other process shares.
func LoadOrCreateKeys(path string) (*Keys, error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		if err := createKeyFile(path); err != nil {
			return nil, err
		}
	}
	return LoadKeys(path)
}

// LoadKeys reads a PKCS#8 PEM Ed25519 private key from path.
func LoadKeys(path string) (*Keys, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read jwt key: %w", err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, fmt.Errorf("jwt key %s: no PEM block", path)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("jwt key %s: %w", path, err)
	}
	private, ok := parsed.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("jwt key %s: not an Ed25519 key", path)
	}
	return NewKeys(private), nil
}

// createKeyFile writes a new key without ever replacing one another process
// created meanwhile (link fails if the target exists).
func createKeyFile(path string) error {
	keys, err := GenerateKeys()
	if err != nil {
		return err
	}
	der, err := x509.MarshalPKCS8PrivateKey(keys.private)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".jwt-key-*")
	if err != nil {
		return err
	}
	defer func() { _ = os.Remove(tmp.Name()) }() // after the rename there is nothing left to remove
	if err := pem.Encode(tmp, &pem.Block{Type: "PRIVATE KEY", Bytes: der}); err != nil {
		_ = tmp.Close() // the encoding failed: that is the error to report
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	return nil
}

type claims struct {
	jwt.RegisteredClaims
	Roles []string `json:"roles"`
	// SessionEpoch is the subject's session epoch when the token was issued
	// (see ValkeyRevocations.RevokeSessions); absent means 0.
	SessionEpoch int64 `json:"sep,omitempty"`
}

// Issue signs a token for subject with roles, valid for ttl, in session epoch 0.
func (k *Keys) Issue(subject string, roles []string, ttl time.Duration) (string, Identity, error) {
	return k.IssueSession(subject, roles, 0, ttl)
}

// IssueSession signs a token for subject with roles, valid for ttl, that
// belongs to the subject's session epoch: revoking the sessions before a
// later epoch makes it unusable.
func (k *Keys) IssueSession(subject string, roles []string, epoch int64, ttl time.Duration) (string, Identity, error) {
	now := time.Now()
	c := claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    issuer,
			Subject:   subject,
			ID:        uuid.NewString(),
			IssuedAt:  jwt.NewNumericDate(now),
			ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
		},
		Roles:        roles,
		SessionEpoch: epoch,
	}
	token, err := jwt.NewWithClaims(jwt.SigningMethodEdDSA, c).SignedString(k.private)
	if err != nil {
		return "", Identity{}, err
	}
	return token, identityOf(c), nil
}

// Verify checks signature, issuer and expiry and returns who the token names.
func (k *Keys) Verify(token string) (Identity, error) {
	digest := tokenDigest(sha256.Sum256([]byte(token)))
	k.mu.RLock()
	id, ok := k.verified[digest]
	if !ok {
		id, ok = k.verifiedBefore[digest]
	}
	k.mu.RUnlock()
	if ok && time.Now().Before(id.ExpiresAt) {
		return id, nil
	}
	id, err := k.verify(token)
	if err != nil {
		return Identity{}, err
	}
	k.mu.Lock()
	k.remember(digest, id)
	k.mu.Unlock()
	return id, nil
}

// remember keeps id in the current generation, starting a new one (and
// forgetting the one before) when it is full. Call with mu held.
func (k *Keys) remember(digest tokenDigest, id Identity) {
	if len(k.verified) >= k.generation {
		k.verifiedBefore, k.verified = k.verified, make(map[tokenDigest]Identity, k.generation)
	}
	k.verified[digest] = id
}

func (k *Keys) verify(token string) (Identity, error) {
	var c claims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return k.public, nil },
		jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}),
		jwt.WithIssuer(issuer),
		jwt.WithExpirationRequired(),
	)
	if err != nil {
		return Identity{}, err
	}
	if c.Subject == "" {
		return Identity{}, errors.New("token has no subject")
	}
	return identityOf(c), nil
}

func identityOf(c claims) Identity {
	id := Identity{Subject: c.Subject, Roles: sharedRoles(c.Roles), TokenID: c.ID, SessionEpoch: c.SessionEpoch}
	if c.ExpiresAt != nil {
		id.ExpiresAt = c.ExpiresAt.Time
	}
	return id
}

// singleRoles are the role lists nearly every token carries, shared by
// the identities that remember them instead of one copy each.
var singleRoles = map[string][]string{RoleUser: {RoleUser}, RoleAdmin: {RoleAdmin}, RoleService: {RoleService}}

// sharedRoles returns roles, or the shared list equal to it. Identities
// only read their roles.
func sharedRoles(roles []string) []string {
	if len(roles) == 1 {
		if shared, ok := singleRoles[roles[0]]; ok {
			return shared
		}
	}
	return roles
}
