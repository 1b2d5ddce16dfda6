package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v3"

	"mall/services/platform/config"
	"mall/services/platform/testenv"
)

type composeFile struct {
	Services map[string]composeService `yaml:"services"`
	Secrets  map[string]any            `yaml:"secrets"`
}

type composeService struct {
	Image       string            `yaml:"image"`
	Build       any               `yaml:"build"`
	Command     []string          `yaml:"command"`
	Environment map[string]string `yaml:"environment"`
	DependsOn   map[string]struct {
		Condition string `yaml:"condition"`
	} `yaml:"depends_on"`
	Healthcheck *struct {
		Test []string `yaml:"test"`
	} `yaml:"healthcheck"`
	Secrets []string `yaml:"secrets"`
}

// TestComposeMatchesTheBinary keeps compose.yaml honest where it cannot run
// (no Docker engine here): every mall container's command is a real
// subcommand with real flags, every MALL_* variable names one of that
// subcommand's flags with a value it accepts, and dependencies are sound.
func TestComposeMatchesTheBinary(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var compose composeFile
	if err := yaml.Unmarshal(data, &compose); err != nil {
		t.Fatal(err)
	}
	roles := map[string]bool{}
	for name, svc := range compose.Services {
		for dep, condition := range svc.DependsOn {
			target, ok := compose.Services[dep]
			if !ok {
				t.Errorf("%s depends on unknown service %s", name, dep)
			}
			if condition.Condition == "service_healthy" && target.Healthcheck == nil {
				t.Errorf("%s waits for %s to be healthy, but %s has no healthcheck", name, dep, dep)
			}
		}
		for _, secret := range svc.Secrets {
			if _, ok := compose.Secrets[secret]; !ok {
				t.Errorf("%s uses undeclared secret %s", name, secret)
			}
		}
		if svc.Build == nil {
			if svc.Image == "" {
				t.Errorf("%s has neither image nor build", name)
			}
			continue
		}
		if len(svc.Command) == 0 {
			t.Errorf("mall container %s has no command", name)
			continue
		}
		roles[svc.Command[0]] = true
		sub := subcommand(t, svc.Command[0])
		if sub == nil {
			t.Errorf("%s: %q is not a mall subcommand", name, svc.Command[0])
			continue
		}
		if err := sub.ParseFlags(svc.Command[1:]); err != nil {
			t.Errorf("%s: command %v: %v", name, svc.Command, err)
		}
		checkEnv(t, name, sub, svc.Environment)
		if svc.Command[0] != "migrate" && svc.Command[0] != "paysim" && svc.Healthcheck == nil {
			t.Errorf("%s runs a long-lived role but has no healthcheck", name)
		}
		if hc := svc.Healthcheck; hc != nil && len(hc.Test) > 2 && hc.Test[1] == "mall" {
			probe := subcommand(t, hc.Test[2])
			if probe == nil || probe.ParseFlags(hc.Test[3:]) != nil {
				t.Errorf("%s: healthcheck %v is not a valid mall command", name, hc.Test)
			}
		}
	}
	for _, role := range []string{"migrate", "serve", "worker", "writer", "paysim"} {
		if !roles[role] {
			t.Errorf("compose.yaml runs no %s container", role)
		}
	}
	for _, infra := range []string{"mysql", "valkey", "kafka", "temporal", "temporal-ui", "otel-collector", "prometheus"} {
		if _, ok := compose.Services[infra]; !ok {
			t.Errorf("compose.yaml lacks %s", infra)
		}
	}
}

// subcommand returns a fresh instance of `mall <name>`, or nil.
func subcommand(t *testing.T, name string) *cobra.Command {
	t.Helper()
	sub, _, err := newRootCommand().Find([]string{name})
	if err != nil || sub.Name() != name {
		return nil
	}
	return sub
}

// checkEnv fails for each variable of env that names no flag of sub, or
// has a value the flag refuses; OTEL_* are OpenTelemetry's own.
func checkEnv(t *testing.T, where string, sub *cobra.Command, env map[string]string) {
	t.Helper()
	for key, value := range env {
		if strings.HasPrefix(key, "OTEL_") {
			continue
		}
		flag := flagForEnv(sub.Flags(), key)
		if flag == nil {
			t.Errorf("%s: %s matches no flag of `mall %s`", where, key, sub.Name())
			continue
		}
		if err := sub.Flags().Set(flag.Name, value); err != nil {
			t.Errorf("%s: %s=%q: %v", where, key, value, err)
		}
	}
}

func flagForEnv(fs *pflag.FlagSet, env string) *pflag.Flag {
	var found *pflag.Flag
	fs.VisitAll(func(f *pflag.Flag) {
		if config.EnvName(f.Name) == env {
			found = f
		}
	})
	return found
}

func TestEveryFlagHasAnEnvironmentName(t *testing.T) {
	root := newRootCommand()
	var names []string
	root.PersistentFlags().VisitAll(func(f *pflag.Flag) { names = append(names, config.EnvName(f.Name)) })
	if !slices.Contains(names, "MALL_MYSQL_DSN") || !slices.Contains(names, "MALL_KAFKA_BROKERS") {
		t.Fatalf("env names %v", names)
	}
	for _, n := range names {
		if strings.ContainsAny(n, "-.") {
			t.Errorf("bad env name %s", n)
		}
	}
}
