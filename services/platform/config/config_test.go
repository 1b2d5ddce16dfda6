package config

import (
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
