package user

import (
	"context"
	"fmt"
	"testing"
	"time"

	"connectrpc.com/connect"

	userv1 "mall/gen/mall/user/v1"
	"mall/gen/mall/user/v1/userv1connect"
	"mall/services/platform/clientaddr"
	"mall/services/platform/ratelimit"
	"mall/services/platform/testenv"
)

// The attacks of the login and registration surface: spelling variants
// for a fresh budget, locking the owner out from elsewhere, forged
// X-Forwarded-For, and unthrottled registration.

func login(client userv1connect.UserServiceClient, name, password string, header ...string) error {
	req := connect.NewRequest(&userv1.LoginRequest{Login: name, Password: password})
	for i := 0; i+1 < len(header); i += 2 {
		req.Header().Add(header[i], header[i+1])
	}
	_, err := client.Login(context.Background(), req)
	return err
}

func register(client userv1connect.UserServiceClient, name string) error {
	_, err := client.Register(context.Background(), connect.NewRequest(&userv1.RegisterRequest{
		Identity: &userv1.RegisterRequest_Username{Username: name}, Password: "s3cret-pass"}))
	return err
}

// "VICTIM ", upper case and a full-width first letter all reach the
// victim's account through the column's collation; they must also reach
// its one budget. Unknown logins are folded the same way.
func TestSpellingVariantsOfALoginShareOneBudget(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.AccountLimit = ratelimit.Limit{Burst: 3, Period: time.Hour} })
	attacker := f.clientFrom("127.0.0.2")
	victim := "victim" + testenv.RandomID(3)
	if err := register(f.clients["grpc"], victim); err != nil {
		t.Fatal(err)
	}
	fullWidth := string(rune(0xFF56)) + victim[1:] // 'ｖ' + "ictim…"
	ghost := "ghost" + testenv.RandomID(3)
	for name, variants := range map[string][]string{
		"known":   {victim, fmt.Sprintf("%s ", upper(victim)), fullWidth, upper(victim), victim + "   "},
		"unknown": {ghost, upper(ghost), " " + ghost + " ", string(rune(0xFF47)) + ghost[1:], ghost},
	} {
		for i, v := range variants {
			err := login(attacker, v, "wrong-guess-1")
			if i < 3 {
				testenv.WantCode(t, err, connect.CodeUnauthenticated, ReasonBadCredentials)
				continue
			}
			if connect.CodeOf(err) != connect.CodeResourceExhausted {
				t.Errorf("%s: attempt %d as %q got %v: a spelling variant had a budget of its own", name, i+1, v, err)
			}
		}
	}
	// The variant that would have had a fresh budget also carries the right
	// password: still refused, the account's budget at this address is spent.
	testenv.WantCode(t, login(attacker, fullWidth, "s3cret-pass"), connect.CodeResourceExhausted, ratelimit.ReasonRateLimited)
}

func upper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'a' <= c && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// An attacker who spends the victim's budget from their address locks out
// only that address: the owner, elsewhere, signs in.
func TestTheOwnerSignsInFromAnotherAddressWhileTheAttackerIsLockedOut(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.AccountLimit = ratelimit.Limit{Burst: 3, Period: time.Hour} })
	attacker, owner := f.clientFrom("127.0.0.2"), f.clientFrom("127.0.0.3")
	victim := "owner" + testenv.RandomID(3)
	if err := register(f.clients["grpc"], victim); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		testenv.WantCode(t, login(attacker, victim, "wrong-guess-1"), connect.CodeUnauthenticated, ReasonBadCredentials)
	}
	testenv.WantCode(t, login(attacker, victim, "wrong-guess-1"), connect.CodeResourceExhausted, ratelimit.ReasonRateLimited)
	testenv.WantCode(t, login(attacker, victim, "s3cret-pass"), connect.CodeResourceExhausted, ratelimit.ReasonRateLimited)

	testenv.WantCode(t, login(owner, victim, "typo-pass-1"), connect.CodeUnauthenticated, ReasonBadCredentials)
	if err := login(owner, victim, "s3cret-pass"); err != nil {
		t.Fatalf("the owner is locked out by the attacker: %v", err)
	}
	if err := login(owner, upper(victim), "s3cret-pass"); err != nil {
		t.Fatalf("the owner signing in as %q: %v", upper(victim), err)
	}
}

// X-Forwarded-For is anyone's to write: from a peer that is not a trusted
// proxy it changes nothing, so inventing addresses buys no budget; behind
// the trusted proxy, the address it recorded is the client.
func TestForwardedForCountsOnlyFromATrustedProxy(t *testing.T) {
	proxies, err := clientaddr.New([]string{"127.0.0.2"})
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t, func(o *Options) {
		o.AddressLimit = ratelimit.Limit{Burst: 3, Period: time.Hour}
		o.Clients = proxies
	})
	direct, proxy := f.clientFrom("127.0.0.3"), f.clientFrom("127.0.0.2")
	for i := range 3 {
		testenv.WantCode(t, login(direct, fmt.Sprintf("spray%d", i), "guess-1234", "X-Forwarded-For", fmt.Sprintf("198.51.100.%d", i)),
			connect.CodeUnauthenticated, ReasonBadCredentials)
	}
	testenv.WantCode(t, login(direct, "spray9", "guess-1234", "X-Forwarded-For", "198.51.100.99"),
		connect.CodeResourceExhausted, ratelimit.ReasonRateLimited)

	// Through the proxy: one client spends its budget, another has its own,
	// and a client-written hop left of the proxy's entry changes nothing.
	for i := range 3 {
		testenv.WantCode(t, login(proxy, fmt.Sprintf("spray%d", i), "guess-1234", "X-Forwarded-For", "203.0.113.1"),
			connect.CodeUnauthenticated, ReasonBadCredentials)
	}
	testenv.WantCode(t, login(proxy, "spray9", "guess-1234", "X-Forwarded-For", "203.0.113.77, 203.0.113.1"),
		connect.CodeResourceExhausted, ratelimit.ReasonRateLimited)
	testenv.WantCode(t, login(proxy, "spray9", "guess-1234", "X-Forwarded-For", "203.0.113.2"),
		connect.CodeUnauthenticated, ReasonBadCredentials)
}

// Registration is limited per address, before the password hash; probing
// taken names spends the same budget; another address is unaffected.
func TestRegisterIsThrottledPerAddress(t *testing.T) {
	f := newFixture(t, func(o *Options) { o.RegisterLimit = ratelimit.Limit{Burst: 3, Period: time.Hour} })
	prober, neighbour := f.clientFrom("127.0.0.2"), f.clientFrom("127.0.0.3")
	taken := "taken" + testenv.RandomID(3)
	if err := register(neighbour, taken); err != nil {
		t.Fatal(err)
	}
	testenv.WantCode(t, register(prober, upper(taken)), connect.CodeAlreadyExists, ReasonLoginTaken)
	for i := range 2 {
		if err := register(prober, fmt.Sprintf("bulk%s_%d", testenv.RandomID(2), i)); err != nil {
			t.Fatal(err)
		}
	}
	refused := "bulk" + testenv.RandomID(3)
	testenv.WantCode(t, register(prober, refused), connect.CodeResourceExhausted, ratelimit.ReasonRateLimited)
	testenv.WantCode(t, register(prober, taken), connect.CodeResourceExhausted, ratelimit.ReasonRateLimited)
	var n int
	if err := f.svc.db.NewSelect().Table("users").ColumnExpr("COUNT(*)").Where("username = ?", refused).Scan(context.Background(), &n); err != nil || n != 0 {
		t.Fatalf("the refused registration was stored (%d rows, %v)", n, err)
	}
	if err := register(neighbour, "other"+testenv.RandomID(3)); err != nil {
		t.Fatalf("another address was throttled too: %v", err)
	}
}

// Login takes a username or a phone number in one field: a username made
// of a victim's phone digits would shadow the victim's phone sign-in, so
// digits alone are not a username.
func TestAUsernameCannotShadowAPhoneNumber(t *testing.T) {
	f := newFixture(t)
	client := f.clients["connect-json"]
	phone := fmt.Sprintf("139%08d", time.Now().UnixNano()%1e8)
	if _, err := client.Register(context.Background(), connect.NewRequest(&userv1.RegisterRequest{
		Identity: &userv1.RegisterRequest_Phone{Phone: phone}, Password: "s3cret-pass"})); err != nil {
		t.Fatal(err)
	}
	testenv.WantCode(t, register(client, phone), connect.CodeInvalidArgument, "")
	if err := login(client, phone, "s3cret-pass"); err != nil {
		t.Fatalf("the phone's owner cannot sign in: %v", err)
	}
}
