package user

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"

	userv1 "mall/gen/mall/user/v1"
	"mall/gen/mall/user/v1/userv1connect"
	"mall/services/platform/ratelimit"
	"mall/services/platform/testenv"
)

// The attacks on ChangePassword: a stolen token without the password,
// sessions that survive a change, guessing the current password, and the
// same change many times at once.

func changePassword(client userv1connect.UserServiceClient, token, current, next string) (*userv1.ChangePasswordResponse, error) {
	res, err := client.ChangePassword(context.Background(), testenv.Bearer(token, &userv1.ChangePasswordRequest{CurrentPassword: current, NewPassword: next}))
	if err != nil {
		return nil, err
	}
	return res.Msg, nil
}

func profile(client userv1connect.UserServiceClient, token string) error {
	_, err := client.GetProfile(context.Background(), testenv.Bearer(token, &userv1.GetProfileRequest{}))
	return err
}

// A token alone does not change the password; with the current password
// the change revokes every session issued before it (the next call with
// one is unauthenticated), the answer's token works, and only the new
// password signs in.
func TestChangePasswordNeedsTheOldOneAndSignsOutEveryOtherSession(t *testing.T) {
	f := newFixture(t)
	client := f.clients["grpc"]
	stolen, userID := f.signUp(t, client)
	me, err := client.GetProfile(context.Background(), testenv.Bearer(stolen, &userv1.GetProfileRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	name := me.Msg.GetUser().GetUsername()
	laptop, err := client.Login(context.Background(), connect.NewRequest(&userv1.LoginRequest{Login: name, Password: "s3cret-pass"}))
	if err != nil {
		t.Fatal(err)
	}

	_, err = changePassword(client, stolen, "guessed-1234", "attacker-1234")
	testenv.WantCode(t, err, connect.CodePermissionDenied, ReasonWrongPassword)
	_, err = changePassword(client, stolen, "s3cret-pass", "short1")
	testenv.WantCode(t, err, connect.CodeInvalidArgument, "")
	_, err = changePassword(client, stolen, "s3cret-pass", "no-digits-here")
	testenv.WantCode(t, err, connect.CodeInvalidArgument, "")
	if err := login(client, name, "s3cret-pass"); err != nil {
		t.Fatalf("a refused change changed the password: %v", err)
	}
	for _, token := range []string{stolen, laptop.Msg.GetAccessToken()} {
		if err := profile(client, token); err != nil {
			t.Fatalf("a refused change revoked a session: %v", err)
		}
	}

	changed, err := changePassword(client, laptop.Msg.GetAccessToken(), "s3cret-pass", "n3w-secret-pass")
	if err != nil {
		t.Fatal(err)
	}
	for _, token := range []string{stolen, laptop.Msg.GetAccessToken()} { // another session, the caller's old token
		for _, c := range f.clients {
			testenv.WantCode(t, profile(c, token), connect.CodeUnauthenticated, "")
		}
	}
	if err := profile(client, changed.GetAccessToken()); err != nil {
		t.Fatalf("the fresh token does not work: %v", err)
	}
	if !changed.GetExpiresAt().AsTime().After(time.Now()) {
		t.Fatal("the fresh token has expired")
	}
	fresh, err := f.keys.Verify(changed.GetAccessToken())
	if err != nil || fresh.Subject != userID {
		t.Fatalf("the fresh token names %q (%v), want %s", fresh.Subject, err, userID)
	}
	testenv.WantCode(t, login(client, name, "s3cret-pass"), connect.CodeUnauthenticated, ReasonBadCredentials)
	if err := login(client, name, "n3w-secret-pass"); err != nil {
		t.Fatalf("the new password does not sign in: %v", err)
	}
}

// Guessing the current password with a stolen token is limited per
// account: past the budget even the right password is refused for now.
func TestChangePasswordAttemptsAreLimited(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.PasswordChangeLimit = ratelimit.Limit{Burst: 3, Period: time.Hour} })
	client := f.clients["connect-json"]
	token, _ := f.signUp(t, client)
	for i := range 3 {
		_, err := changePassword(client, token, fmt.Sprintf("guess-%d-pass", i), "attacker-1234")
		testenv.WantCode(t, err, connect.CodePermissionDenied, ReasonWrongPassword)
	}
	_, err := changePassword(client, token, "s3cret-pass", "attacker-1234")
	testenv.WantCode(t, err, connect.CodeResourceExhausted, ratelimit.ReasonRateLimited)
	if err := profile(client, token); err != nil {
		t.Fatalf("a refused change revoked the session: %v", err)
	}
}

// The same change sent many times at once: exactly one succeeds (the row
// is locked while the current password is checked and replaced), the
// others find the current password changed, and the password that works
// is the winner's.
func TestConcurrentChangesWithOnePasswordChangeItOnce(t *testing.T) {
	const attempts = 16 // each hashes a password: 19 MiB of argon2 memory apiece
	f := newFixture(t, func(o *Options) { o.PasswordChangeLimit = ratelimit.Limit{Burst: attempts, Period: time.Hour} })
	client := f.clients["grpc"]
	token, _ := f.signUp(t, client)
	me, err := client.GetProfile(context.Background(), testenv.Bearer(token, &userv1.GetProfileRequest{}))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var winners []string
	var wg sync.WaitGroup
	for i := range attempts {
		wg.Go(func() {
			next := fmt.Sprintf("racer-%02d-pass", i)
			_, err := changePassword(client, token, "s3cret-pass", next)
			switch {
			case err == nil:
				mu.Lock()
				winners = append(winners, next)
				mu.Unlock()
			case connect.CodeOf(err) != connect.CodePermissionDenied:
				t.Errorf("attempt %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if len(winners) != 1 {
		t.Fatalf("%d changes succeeded (%v), want exactly 1", len(winners), winners)
	}
	if err := login(client, me.Msg.GetUser().GetUsername(), winners[0]); err != nil {
		t.Fatalf("the winner's password does not sign in: %v", err)
	}
	var epoch int64
	if err := f.svc.db.NewSelect().Table("users").Column("session_epoch").Where("id = ?", me.Msg.GetUser().GetUserId()).Scan(context.Background(), &epoch); err != nil || epoch != 1 {
		t.Fatalf("session epoch %d (%v), want 1: one change", epoch, err)
	}
}

// An admin keeps the admin password policy when changing their own
// password through the API, not only through `mall admin`: never the
// public development password, never a shopper-length one.
func TestAnAdminCannotChangeToAWeakPassword(t *testing.T) {
	f := newFixture(t)
	client := f.clients["connect-json"]
	name, password := "ops_"+testenv.RandomID(4), "operator-pass-2026"
	if _, err := CreateAdmin(context.Background(), f.svc.db, name, password); err != nil {
		t.Fatal(err)
	}
	res, err := client.Login(context.Background(), connect.NewRequest(&userv1.LoginRequest{Login: name, Password: password}))
	if err != nil {
		t.Fatal(err)
	}
	token := res.Msg.GetAccessToken()
	for _, weak := range []string{DevAdminPassword, "abc12345"} {
		_, err := changePassword(client, token, password, weak)
		testenv.WantCode(t, err, connect.CodeInvalidArgument, ReasonWeakPassword)
	}
	if err := login(client, name, password); err != nil {
		t.Fatalf("a refused change changed the password: %v", err)
	}
	if _, err := changePassword(client, token, password, "another-long-pass-7"); err != nil {
		t.Fatal(err)
	}
}
