package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

func TestFlagBeatsEnvironmentBeatsDefault(t *testing.T) {
	t.Setenv("MALL_REDIS_ADDR", "cache:6379")
	t.Setenv("MALL_HTTP_ADDR", ":9999")
	t.Setenv("MALL_KAFKA_BROKERS", "k1:9092,k2:9092")
	var cfg Config
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	cfg.Register(fs)
	if err := fs.Parse([]string{"--http-addr=:7000"}); err != nil {
		t.Fatal(err)
	}
	if err := ApplyEnv(fs); err != nil {
		t.Fatal(err)
	}
	if cfg.HTTPAddr != ":7000" {
		t.Errorf("flag lost to env: %s", cfg.HTTPAddr)
	}
	if cfg.RedisAddr != "cache:6379" {
		t.Errorf("env ignored: %s", cfg.RedisAddr)
	}
	if len(cfg.KafkaBrokers) != 2 || cfg.KafkaBrokers[1] != "k2:9092" {
		t.Errorf("list env: %v", cfg.KafkaBrokers)
	}
	if cfg.TemporalAddress != "127.0.0.1:7233" {
		t.Errorf("default changed: %s", cfg.TemporalAddress)
	}
}

func TestBadEnvironmentValueIsAnError(t *testing.T) {
	t.Setenv("MALL_SHUTDOWN_TIMEOUT", "soon")
	var cfg Config
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	cfg.Register(fs)
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	if err := ApplyEnv(fs); err == nil {
		t.Fatal("MALL_SHUTDOWN_TIMEOUT=soon accepted")
	}
}

// parsedDefaults is the configuration a process gets with no flags and no
// environment.
func parsedDefaults(t *testing.T) Config {
	t.Helper()
	var cfg Config
	fs := pflag.NewFlagSet("test", pflag.ContinueOnError)
	cfg.Register(fs)
	if err := fs.Parse(nil); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestTheDefaultsAreRefusedOutsideDevelopmentByName(t *testing.T) {
	cfg := parsedDefaults(t)
	cfg.JWTKeyFile = filepath.Join(t.TempDir(), "missing.pem")
	cfg.CORSOrigins = []string{"https://shop.example", "*"}
	all := Needs{SigningKey: true, ProviderAPIKey: true, WebhookSecret: true, BrowserOrigins: true}
	err := cfg.RefuseDevelopmentDefaults(all)
	if err == nil {
		t.Fatal("development defaults accepted outside development mode")
	}
	for _, want := range []string{
		"--jwt-key-file (MALL_JWT_KEY_FILE)", "--provider-api-key (MALL_PROVIDER_API_KEY)",
		"--provider-webhook-secret (MALL_PROVIDER_WEBHOOK_SECRET)", "--cors-origins (MALL_CORS_ORIGINS)", "--dev",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the refusal does not name %s:\n%s", want, err)
		}
	}
	if problems := cfg.DevelopmentDefaults(Needs{SigningKey: true}); len(problems) != 1 || problems[0].Flag != "jwt-key-file" {
		t.Errorf("a role that only signs is refused for %v", problems)
	}
	cfg.Dev = true
	if err := cfg.RefuseDevelopmentDefaults(all); err != nil {
		t.Fatalf("development mode refused its own defaults: %v", err)
	}
}

func TestProductionSettingsStart(t *testing.T) {
	cfg := parsedDefaults(t)
	if len(cfg.CORSOrigins) != 0 {
		t.Fatalf("CORS origins default to %v, want none", cfg.CORSOrigins)
	}
	cfg.JWTKeyFile = filepath.Join(t.TempDir(), "jwt.pem")
	if err := os.WriteFile(cfg.JWTKeyFile, []byte("a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg.ProviderAPIKey, cfg.ProviderWebhookSecret = "sk_live_1234", "whsec_0123456789abcdef"
	all := Needs{SigningKey: true, ProviderAPIKey: true, WebhookSecret: true, BrowserOrigins: true}
	if err := cfg.RefuseDevelopmentDefaults(all); err != nil {
		t.Fatalf("production settings refused: %v", err)
	}
	for name, mutate := range map[string]func(*Config){
		"an empty API key":           func(c *Config) { c.ProviderAPIKey = " " },
		"a guessable webhook secret": func(c *Config) { c.ProviderWebhookSecret = "secret" },
		"a wildcard origin":          func(c *Config) { c.CORSOrigins = []string{"*"} },
		"a wildcard pattern":         func(c *Config) { c.CORSOrigins = []string{"https://shop.example", "http*"} },
		"a wildcard subdomain":       func(c *Config) { c.CORSOrigins = []string{"https://*.example"} },
	} {
		bad := cfg
		mutate(&bad)
		if err := bad.RefuseDevelopmentDefaults(all); err == nil {
			t.Errorf("%s accepted", name)
		}
	}
}
