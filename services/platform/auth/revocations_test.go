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

// A process following the list answers from its copy in memory once it is
// loaded: a logout and a password change made before it followed, a logout
// announced while it follows, and one made while its subscription was
// broken (found by the load when it stands again). While it has no
// complete copy, it reads Valkey, and only then.
func TestAFollowingProcessHoldsTheWholeDenyList(t *testing.T) {
	ctx := context.Background()
	keys, err := auth.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	identity := func(subject string, epoch int64) auth.Identity {
		t.Helper()
		_, id, err := keys.IssueSession(subject, []string{auth.RoleUser}, epoch, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	prefix := "test:" + testenv.RandomID(4) + ":revoked:"
	writer := auth.NewValkeyRevocations(testenv.Redis(t), prefix)
	follower := auth.NewValkeyRevocations(testenv.Redis(t), prefix)
	reads := func() float64 { return testenv.CounterValue(t, "mall_auth_revocation_reads_total", nil) }
	// answers asks follower about id, and whether it read Valkey to answer.
	answers := func(id auth.Identity) (revoked, read bool) {
		t.Helper()
		before := reads()
		revoked, err := follower.IsRevoked(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return revoked, reads() > before
	}
	fromMemory := func(id auth.Identity, want bool) func() bool {
		return func() bool {
			revoked, read := answers(id)
			return revoked == want && !read
		}
	}

	loggedOut, oldSession, bystander := identity("u-1", 0), identity("u-2", 0), identity("u-3", 0)
	if err := writer.Revoke(ctx, loggedOut); err != nil {
		t.Fatal(err)
	}
	if err := writer.RevokeSessions(ctx, "u-2", 1, time.Hour); err != nil {
		t.Fatal(err)
	}
	if revoked, read := answers(loggedOut); !revoked || !read {
		t.Fatalf("before following: revoked %v, read Valkey %v; want both", revoked, read)
	}

	followCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- follower.Follow(followCtx, testenv.Logger()) }()
	defer func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("Follow ended with %v", err)
		}
	}()
	testenv.Eventually(t, 10*time.Second, "the logout refused from memory", fromMemory(loggedOut, true))
	for _, c := range []struct {
		name string
		id   auth.Identity
		want bool
	}{{"older session", oldSession, true}, {"newer session", identity("u-2", 1), false}, {"bystander", bystander, false}} {
		if revoked, read := answers(c.id); revoked != c.want || read {
			t.Errorf("%s: revoked %v (want %v), read Valkey %v", c.name, revoked, c.want, read)
		}
	}

	later := identity("u-4", 0)
	if err := writer.Revoke(ctx, later); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 10*time.Second, "a logout announced while following", fromMemory(later, true))

	killed := testenv.KillConnectionNamed(t, follower.ConnectionName())
	whileBroken := identity("u-5", 0)
	if err := writer.Revoke(ctx, whileBroken); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 10*time.Second, "Valkey read while the subscription is broken", func() bool {
		revoked, read := answers(whileBroken)
		return revoked && read
	})
	testenv.Eventually(t, 10*time.Second, "the subscription again", func() bool {
		return testenv.HasConnectionNamed(t, follower.ConnectionName(), killed)
	})
	testenv.Eventually(t, 10*time.Second, "the logout made while broken refused from memory", fromMemory(whileBroken, true))
	if revoked, read := answers(bystander); revoked || read {
		t.Errorf("bystander after the reload: revoked %v, read Valkey %v", revoked, read)
	}
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
