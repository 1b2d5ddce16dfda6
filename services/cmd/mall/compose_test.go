package main

import (
	"fmt"
	"maps"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"go.yaml.in/yaml/v3"

	"mall/services/app"
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
// subcommand's flags with a value it accepts, the secrets each role needs
// come from outside the file (so none is left at its public default), and
// dependencies are sound; Prometheus scrapes the ops ports.
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
	opsPorts := map[string]string{} // role -> port of its --ops-addr
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
		c, sub := cliFor(t, svc.Command[0])
		if sub == nil {
			t.Errorf("%s: %q is not a mall subcommand", name, svc.Command[0])
			continue
		}
		if err := sub.ParseFlags(svc.Command[1:]); err != nil {
			t.Errorf("%s: command %v: %v", name, svc.Command, err)
		}
		env, fromOutside := composeEnv(svc.Environment)
		checkEnv(t, name, sub, env)
		keyMounted := slices.ContainsFunc(svc.Secrets, func(secret string) bool { return env["MALL_JWT_KEY_FILE"] == "/run/secrets/"+secret })
		for _, problem := range productionProblems(c, sub, env, fromOutside, keyMounted) {
			t.Errorf("%s: %s", name, problem)
		}
		if port := opsPort(sub); port != "" {
			opsPorts[svc.Command[0]] = port
		}
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
	checkPrometheusScrapesOpsPorts(t, opsPorts)
	checkPrometheusAlertsOnAttention(t)
}

// checkPrometheusAlertsOnAttention: deploy/prometheus.yml loads the rules
// file compose.yaml mounts, whose rule fires on mall_attention_items.
func checkPrometheusAlertsOnAttention(t *testing.T) {
	t.Helper()
	var config struct {
		RuleFiles []string `yaml:"rule_files"`
	}
	var rules struct {
		Groups []struct {
			Rules []struct {
				Alert string `yaml:"alert"`
				Expr  string `yaml:"expr"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	root := testenv.RepoRoot(t)
	for file, into := range map[string]any{"prometheus.yml": &config, "prometheus-rules.yml": &rules} {
		data, err := os.ReadFile(filepath.Join(root, "deploy", file))
		if err != nil {
			t.Fatal(err)
		}
		if err := yaml.Unmarshal(data, into); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
	}
	compose, err := os.ReadFile(filepath.Join(root, "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(config.RuleFiles) != 1 || !strings.Contains(string(compose), "./deploy/prometheus-rules.yml:"+config.RuleFiles[0]+":ro") {
		t.Errorf("prometheus.yml loads %v; compose.yaml must mount deploy/prometheus-rules.yml there", config.RuleFiles)
	}
	for _, group := range rules.Groups {
		for _, rule := range group.Rules {
			if rule.Alert != "" && strings.Contains(rule.Expr, "mall_attention_items") {
				return
			}
		}
	}
	t.Error("no alert rule on mall_attention_items in deploy/prometheus-rules.yml")
}

// checkPrometheusScrapesOpsPorts: deploy/prometheus.yml scrapes each of
// serve, worker and writer on its ops port, where /metrics is.
func checkPrometheusScrapesOpsPorts(t *testing.T, opsPorts map[string]string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "deploy", "prometheus.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var prometheus struct {
		ScrapeConfigs []struct {
			JobName      string `yaml:"job_name"`
			DNSSDConfigs []struct {
				Names []string `yaml:"names"`
				Port  int      `yaml:"port"`
			} `yaml:"dns_sd_configs"`
		} `yaml:"scrape_configs"`
	}
	if err := yaml.Unmarshal(data, &prometheus); err != nil {
		t.Fatal(err)
	}
	scraped := map[string]bool{}
	for _, job := range prometheus.ScrapeConfigs {
		for _, sd := range job.DNSSDConfigs {
			for _, role := range sd.Names {
				scraped[role] = true
				if want := opsPorts[role]; want == "" || strconv.Itoa(sd.Port) != want {
					t.Errorf("prometheus job %s scrapes %s on port %d; its /metrics are on the ops port %q", job.JobName, role, sd.Port, want)
				}
			}
		}
	}
	for _, role := range []string{"serve", "worker", "writer"} {
		if !scraped[role] {
			t.Errorf("prometheus does not scrape %s", role)
		}
	}
}

// composeInterpolation is a variable compose must take from .env or the
// shell, refusing to start without it: ${NAME:?message}.
var composeInterpolation = regexp.MustCompile(`^\$\{([A-Z0-9_]+):\?[^}]*\}$`)

// composeEnv is a service's environment as the binary will see it: each
// required interpolation of a variable of the same name stands for a value
// given outside the file (fromOutside).
func composeEnv(environment map[string]string) (env map[string]string, fromOutside map[string]bool) {
	env, fromOutside = map[string]string{}, map[string]bool{}
	for key, value := range environment {
		if m := composeInterpolation.FindStringSubmatch(value); m != nil && m[1] == key {
			value, fromOutside[key] = "given-outside-the-manifest:"+key, true
		}
		env[key] = value
	}
	return env, fromOutside
}

// cliFor returns a fresh `mall <name>` and the configuration its flags
// set, or nil.
func cliFor(t *testing.T, name string) (*cli, *cobra.Command) {
	t.Helper()
	c, root := newCLI()
	sub, _, err := root.Find([]string{name})
	if err != nil || sub.Name() != name {
		return nil, nil
	}
	return c, sub
}

// opsPort is the port of a parsed command's --ops-addr, or "".
func opsPort(sub *cobra.Command) string {
	addr, _ := sub.Flags().GetString("ops-addr")
	if addr == "" {
		return ""
	}
	_, port, _ := net.SplitHostPort(addr)
	return port
}

// productionProblems is what keeps a manifest from starting (or starting
// safely) in production: the role of a parsed command, whose flags env has
// set, must not turn development mode on; each secret it needs must come
// from outside the manifest (fromOutside: a compose interpolation, a
// Kubernetes Secret), never a default or a value written in the file; its
// signing key must be a mounted secret; and what the manifest does set
// must pass the binary's own start-up check.
func productionProblems(c *cli, sub *cobra.Command, env map[string]string, fromOutside map[string]bool, keyMounted bool) []string {
	var problems []string
	if c.cfg.Dev {
		problems = append(problems, "turns development mode on (MALL_DEV or --dev)")
	}
	var domains []app.Domain
	if services, err := sub.Flags().GetStringSlice("services"); err == nil {
		domains, _ = app.Select(services)
	}
	needs := needsOf(sub.Name(), domains)
	if needs.SigningKey && (env["MALL_JWT_KEY_FILE"] == "" || !keyMounted) {
		problems = append(problems, "signs or verifies tokens but MALL_JWT_KEY_FILE is not a mounted secret")
	}
	for flag, needed := range map[string]bool{"provider-api-key": needs.ProviderAPIKey, "provider-webhook-secret": needs.WebhookSecret} {
		if needed && !fromOutside[config.EnvName(flag)] {
			problems = append(problems, fmt.Sprintf("%s must come from a secret outside the manifest (it is the public default, or written in the file)", config.EnvName(flag)))
		}
	}
	needs.SigningKey = false // a mounted file: it exists only where the manifest runs
	for _, p := range c.cfg.DevelopmentDefaults(needs) {
		problems = append(problems, p.String())
	}
	return problems
}

// subcommand returns a fresh instance of `mall <name>`, or nil.
func subcommand(t *testing.T, name string) *cobra.Command {
	t.Helper()
	_, sub := cliFor(t, name)
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

// The manifest checks fail a manifest that would start with a development
// setting: each mutation of compose.yaml's serve container below must be
// caught, while the file as it is passes.
func TestManifestChecksCatchDevelopmentSettings(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var compose composeFile
	if err := yaml.Unmarshal(data, &compose); err != nil {
		t.Fatal(err)
	}
	serve := compose.Services["serve"]
	problems := func(mutate func(env map[string]string), keyMounted bool) []string {
		t.Helper()
		environment := maps.Clone(serve.Environment)
		mutate(environment)
		c, sub := cliFor(t, "serve")
		if err := sub.ParseFlags(serve.Command[1:]); err != nil {
			t.Fatal(err)
		}
		env, fromOutside := composeEnv(environment)
		checkEnv(t, "serve", sub, env)
		return productionProblems(c, sub, env, fromOutside, keyMounted)
	}
	if got := problems(func(map[string]string) {}, true); len(got) != 0 {
		t.Fatalf("compose.yaml's serve is refused: %v", got)
	}
	for name, mutate := range map[string]func(env map[string]string){
		"the API key left at its default":   func(env map[string]string) { delete(env, "MALL_PROVIDER_API_KEY") },
		"the webhook secret's public value": func(env map[string]string) { env["MALL_PROVIDER_WEBHOOK_SECRET"] = config.DevProviderWebhookSecret },
		"a secret written in the file":      func(env map[string]string) { env["MALL_PROVIDER_API_KEY"] = "sk_live_written_in_the_file" },
		"an interpolation with a default":   func(env map[string]string) { env["MALL_PROVIDER_API_KEY"] = "${MALL_PROVIDER_API_KEY:-sk_dev_mall}" },
		"CORS for every origin":             func(env map[string]string) { env["MALL_CORS_ORIGINS"] = "*" },
		"development mode":                  func(env map[string]string) { env["MALL_DEV"] = "true" },
		"no signing key file":               func(env map[string]string) { delete(env, "MALL_JWT_KEY_FILE") },
	} {
		if got := problems(mutate, true); len(got) == 0 {
			t.Errorf("%s passes the checks", name)
		}
	}
	if got := problems(func(map[string]string) {}, false); len(got) == 0 {
		t.Error("a signing key that is not a mounted secret passes the checks")
	}
}
