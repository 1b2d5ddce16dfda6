package main

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"connectrpc.com/connect"
	"connectrpc.com/grpchealth"

	userv1 "mall/gen/mall/user/v1"
	"mall/gen/mall/user/v1/userv1connect"
	"mall/services/platform/rpcclient"
	"mall/services/platform/testenv"
	"mall/services/user"
)

// The production mode, against the real binary: what an attacker finds
// when a deployment forgot a setting (public secrets, a made-up key, the
// demo admin, metrics and CORS on the API).

// buildBinary compiles the mall binary. Running it is the full tier's
// business: the build alone takes longer than the whole -short tier should.
func buildBinary(t *testing.T) string {
	t.Helper()
	testenv.Integration(t)
	bin := filepath.Join(t.TempDir(), "mall")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// cleanEnv is this process's environment without any MALL_* or OTEL_*
// setting, plus extra.
func cleanEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MALL_") && !strings.HasPrefix(kv, "OTEL_") {
			env = append(env, kv)
		}
	}
	return append(env, extra...)
}

// runMall runs the binary in dir to its end and returns its output and
// exit code. A command that is still running after a minute (a server that
// should have refused to start) is killed.
func runMall(t *testing.T, bin, dir string, env []string, stdin string, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir, cmd.Env, cmd.Stdin = dir, env, strings.NewReader(stdin)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return out.String(), exit.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return out.String(), 0
}

// startMall starts a long-running role and waits until its gRPC health at
// url answers SERVING; it is interrupted (and must exit 0) when the test
// ends.
func startMall(t *testing.T, bin, dir string, env []string, url string, args ...string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir, cmd.Env = dir, env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	health := grpchealth.NewClient(rpcclient.HTTPClient(), url, connect.WithGRPC())
	serving := false
	defer func() {
		if !serving { // it never served: stop it and show what it said
			_ = cmd.Process.Kill()
			t.Logf("mall %v output:\n%s", args, out.String())
		}
	}()
	seen := ""
	testenv.Eventually(t, 90*time.Second, fmt.Sprintf("mall %v serving at %s", args, url), func() bool {
		res, err := health.Check(context.Background(), &grpchealth.CheckRequest{})
		if err == nil && res.Status == grpchealth.StatusServing {
			return true
		}
		select {
		case err := <-exited:
			t.Fatalf("mall %v exited (%v) before serving", args, err)
		default:
		}
		state := fmt.Sprint(err)
		if err == nil {
			state = res.Status.String()
		}
		if state != seen {
			seen = state
			t.Logf("mall %v health: %s", args, state)
		}
		return false
	})
	serving = true
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGINT)
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("mall %v stopped with %v:\n%s", args, err, out.String())
			}
		case <-time.After(60 * time.Second):
			_ = cmd.Process.Kill()
			t.Errorf("mall %v did not stop on SIGINT", args)
		}
	})
}

// Every long-running role started with nothing configured refuses, names
// each development setting it depends on with its flag and variable, exits
// non-zero, and creates no key.
func TestEveryRoleRefusesDevelopmentDefaultsOutsideDevelopment(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	key := "--jwt-key-file (MALL_JWT_KEY_FILE)"
	apiKey := "--provider-api-key (MALL_PROVIDER_API_KEY)"
	webhook := "--provider-webhook-secret (MALL_PROVIDER_WEBHOOK_SECRET)"
	cors := "--cors-origins (MALL_CORS_ORIGINS)"
	for _, c := range []struct {
		args  []string
		env   []string
		names []string
	}{
		{[]string{"serve"}, nil, []string{key, apiKey, webhook}},
		{[]string{"serve", "--services=user,product"}, []string{"MALL_CORS_ORIGINS=*"}, []string{key, cors}},
		{[]string{"worker"}, nil, []string{key, apiKey}},
		{[]string{"writer"}, nil, []string{key}},
		{[]string{"paysim", "--addr=" + testenv.FreeAddr(t)}, []string{"MALL_PROVIDER_WEBHOOK_SECRET=short"}, []string{apiKey, webhook}},
	} {
		out, code := runMall(t, bin, dir, cleanEnv(c.env...), "", c.args...)
		if code == 0 {
			t.Errorf("mall %v started with development defaults:\n%s", c.args, out)
			continue
		}
		for _, name := range append(c.names, "--dev") {
			if !strings.Contains(out, name) {
				t.Errorf("mall %v: the refusal does not name %s:\n%s", c.args, name, out)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(dir, ".mall")); !os.IsNotExist(err) {
		t.Fatalf("a refused start created a key folder (%v)", err)
	}
}

// A production seed creates no admin; the development seed does, and then
// a production serve refuses to start while an admin has the public
// password. The operator replaces it and creates an admin with the admin
// command (which refuses weak, missing and duplicate ones); serve then
// starts, publishes no /metrics on its API (they are on the ops address),
// and the new admin signs in. Development mode starts with the defaults.
func TestProductionSeedServeAndAdmin(t *testing.T) {
	bin := buildBinary(t)
	dir := t.TempDir()
	prefix := testenv.DatabasePrefix(t)
	keyFile := testenv.SigningKeyFile(t)
	base := []string{"MALL_MYSQL_DSN=" + testenv.MySQLDSN(), "MALL_DB_PREFIX=" + prefix, "MALL_REDIS_ADDR=" + testenv.RedisAddr(),
		"MALL_CACHE_PREFIX=test:" + testenv.RandomID(4) + ":", "MALL_LOG_LEVEL=warn"}
	prod := cleanEnv(append(base, "MALL_JWT_KEY_FILE="+keyFile, "MALL_PROVIDER_API_KEY=sk_test_"+testenv.RandomID(8),
		"MALL_PROVIDER_WEBHOOK_SECRET=whsec_test_"+testenv.RandomID(16))...)
	must := func(stdin string, env []string, args ...string) string {
		t.Helper()
		out, code := runMall(t, bin, dir, env, stdin, args...)
		if code != 0 {
			t.Fatalf("mall %v: exit %d\n%s", args, code, out)
		}
		return out
	}
	refused := func(stdin string, env []string, want string, args ...string) {
		t.Helper()
		out, code := runMall(t, bin, dir, env, stdin, args...)
		if code == 0 || !strings.Contains(out, want) {
			t.Fatalf("mall %v: exit %d, want a refusal naming %q:\n%s", args, code, want, out)
		}
	}
	users, err := sql.Open("mysql", testenv.MySQLDSN()+prefix+"user")
	if err != nil {
		t.Fatal(err)
	}
	defer users.Close()
	admins := func() []string {
		t.Helper()
		rows, err := users.Query("SELECT username FROM users WHERE role = 2 ORDER BY username")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var names []string
		for rows.Next() {
			var name string
			if err := rows.Scan(&name); err != nil {
				t.Fatal(err)
			}
			names = append(names, name)
		}
		return names
	}

	must("", prod, "migrate", "--services=all")
	must("", prod, "seed")
	if got := admins(); len(got) != 0 {
		t.Fatalf("a production seed created admins %v", got)
	}
	must("", prod, "seed", "--dev")
	if got := admins(); len(got) != 1 || got[0] != user.DevAdminLogin {
		t.Fatalf("the development seed created admins %v, want the demo admin", got)
	}

	api, ops := testenv.FreeAddr(t), testenv.FreeAddr(t)
	serve := []string{"serve", "--services=user,product", "--http-addr=" + api, "--ops-addr=" + ops}
	refused("", prod, "account(s) "+user.DevAdminLogin+" still have the public development password", serve...)
	refused("", prod, "no password", "admin", "set-password", "--username", user.DevAdminLogin)
	must("", append(prod, "MALL_ADMIN_PASSWORD=replaced-admin-pass-1"), "admin", "set-password", "--username", user.DevAdminLogin)

	refused("weakpass123\n", prod, "12 characters", "admin", "create", "--username", "ops")
	refused(user.DevAdminPassword+"\n", prod, "public development password", "admin", "create", "--username", "ops")
	refused("ops-admin-pass-2026\n", prod, "username", "admin", "create", "--username", "bad name")
	must("ops-admin-pass-2026\n", prod, "admin", "create", "--username", "ops")
	refused("", append(prod, "MALL_ADMIN_PASSWORD=another-admin-pass-9"), "exists", "admin", "create", "--username", "OPS")
	if got := admins(); len(got) != 2 || got[1] != "ops" {
		t.Fatalf("admins %v, want admin and ops", got)
	}

	startMall(t, bin, dir, prod, "http://"+api, serve...)
	for _, c := range []struct {
		url  string
		want int
	}{{"http://" + api + "/metrics", http.StatusNotFound}, {"http://" + ops + "/metrics", http.StatusOK}} {
		res, err := http.Get(c.url)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != c.want {
			t.Errorf("GET %s: HTTP %d, want %d", c.url, res.StatusCode, c.want)
		}
	}
	client := userv1connect.NewUserServiceClient(http.DefaultClient, "http://"+api, connect.WithProtoJSON())
	login, err := client.Login(context.Background(), connect.NewRequest(&userv1.LoginRequest{Login: "ops", Password: "ops-admin-pass-2026"}))
	if err != nil || login.Msg.GetUser().GetRole() != userv1.Role_ROLE_ADMIN {
		t.Fatalf("the created admin signs in: %v %v", login, err)
	}
	_, err = client.Login(context.Background(), connect.NewRequest(&userv1.LoginRequest{Login: user.DevAdminLogin, Password: user.DevAdminPassword}))
	testenv.WantCode(t, err, connect.CodeUnauthenticated, user.ReasonBadCredentials)

	// Development mode: the defaults, and a key generated where none was.
	devDir := t.TempDir()
	devAPI := testenv.FreeAddr(t)
	startMall(t, bin, devDir, cleanEnv(base...), "http://"+devAPI, "serve", "--dev", "--services=user,product", "--http-addr="+devAPI)
	if _, err := os.Stat(filepath.Join(devDir, ".mall", "jwt-ed25519.pem")); err != nil {
		t.Fatalf("development mode generated no key: %v", err)
	}
}
