package auth_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"mall/services/platform/auth"
	"mall/services/platform/testenv"
)

// A password change revokes every token of the subject issued before it,
// in this process at once and in another process (its own Valkey client,
// hence its own client-side cache) as soon as the invalidation arrives;
// tokens of the new epoch, other subjects and services are untouched, and
// an older epoch published late does not bring old tokens back.
func TestRevokingSessionsRefusesEveryOlderTokenEverywhere(t *testing.T) {
	ctx := context.Background()
	keys, err := auth.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	prefix := "test:" + testenv.RandomID(4) + ":revoked:"
	here := auth.NewValkeyRevocations(testenv.Redis(t), prefix)
	there := auth.NewValkeyRevocations(testenv.Redis(t), prefix)
	identity := func(subject string, epoch int64, roles ...string) auth.Identity {
		t.Helper()
		_, id, err := keys.IssueSession(subject, roles, epoch, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	revoked := func(r *auth.ValkeyRevocations, id auth.Identity) bool {
		t.Helper()
		got, err := r.IsRevoked(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	old, bystander, service := identity("u-1", 0, auth.RoleUser), identity("u-2", 0, auth.RoleUser), identity("u-1", 0, auth.RoleService)
	if revoked(here, old) || revoked(there, old) {
		t.Fatal("a fresh token is revoked")
	}
	if err := here.RevokeSessions(ctx, "u-1", 1, time.Hour); err != nil {
		t.Fatal(err)
	}
	if !revoked(here, old) {
		t.Fatal("the revoking process still accepts the old token")
	}
	testenv.Eventually(t, 10*time.Second, "another process refusing the old token", func() bool { return revoked(there, old) })
	fresh := identity("u-1", 1, auth.RoleUser)
	for name, id := range map[string]auth.Identity{"the new epoch's token": fresh, "another subject's": bystander, "a service's": service} {
		if revoked(here, id) || revoked(there, id) {
			t.Errorf("%s is revoked", name)
		}
	}
	if err := there.RevokeSessions(ctx, "u-1", 2, time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := here.RevokeSessions(ctx, "u-1", 1, time.Hour); err != nil { // late, lower
		t.Fatal(err)
	}
	fresh.TokenID += "-other-process" // not answered from this process's memory
	testenv.Eventually(t, 10*time.Second, "the epoch-1 token refused after a late publication of epoch 1 over epoch 2",
		func() bool { return revoked(here, fresh) })
}

func TestOutsideDevelopmentAMissingKeyIsAnErrorAndNoneIsCreated(t *testing.T) {
	path := filepath.Join(t.TempDir(), "jwt.pem")
	if _, err := auth.LoadKeys(path); err == nil {
		t.Fatal("a missing key file loaded")
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("auth.LoadKeys created %s (%v)", path, err)
	}
}
