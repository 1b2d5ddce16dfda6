// Package config holds the settings every mall process shares. Each setting is
// a flag with a working local default, overridable by a MALL_* environment
// variable (flag name upper-cased, dashes to underscores): an explicit flag
// wins over the environment, the environment over the default. The secrets'
// defaults are public development values, which only development mode
// (`mall dev`, or --dev) accepts: see RefuseDevelopmentDefaults.
package config

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"mall/services/platform/ratelimit"
)

// The development values of the provider's credentials: public (they are in
// this repository), so nothing but development mode starts with them.
const (
	DevProviderAPIKey        = "sk_dev_mall"
	DevProviderWebhookSecret = "whsec_dev_mall"
)

// minWebhookSecretLen is the shortest webhook secret accepted outside
// development: an HMAC key anyone can guess signs anyone's webhooks.
const minWebhookSecretLen = 16

// DevCORSOrigins are the origins development mode allows when none are
// configured: the Vite dev server of web/ (`npm run dev`).
var DevCORSOrigins = []string{"http://localhost:5173", "http://127.0.0.1:5173"}

// Config is the platform configuration; it knows no domain.
type Config struct {
	// Dev is development mode: the public development defaults are
	// accepted, a missing JWT key file is created, `mall seed` adds the
	// demo admin. `mall dev` sets it; elsewhere it takes an explicit --dev.
	Dev bool

	HTTPAddr        string
	ShutdownTimeout time.Duration
	CORSOrigins     []string // empty: no cross-origin browser calls (the SPA is served on the API's origin)
	LogLevel        string

	MaxRequestBytes    int64         // largest request body, and RPC message after decompression
	RequestReadTimeout time.Duration // how long a request body may take to arrive
	Reflection         bool          // serve gRPC server reflection on the API (development mode always does)

	// TrustedProxies are the proxies (CIDR prefixes or addresses) whose
	// X-Forwarded-For names the client; empty: the connection's peer is.
	TrustedProxies []string

	// Abuse limits, per client address (IPv6: per /64) and per account.
	LoginLimitPerAccount    ratelimit.Limit // login attempts at one account from one client address
	LoginLimitPerAddress    ratelimit.Limit // login attempts from one client address, whatever the account
	RegisterLimitPerAddress ratelimit.Limit // registrations from one client address
	PasswordChangeLimit     ratelimit.Limit // password change attempts per account

	MySQLDSN string // server DSN without a database; each service adds its own
	DBPrefix string // database name = prefix + service name

	// RedisAddr is the Valkey/Redis server, or with RedisCluster the
	// comma-separated seed nodes of a cluster.
	RedisAddr    string
	RedisCluster bool
	CachePrefix  string // prefix of every Valkey key, so deployments (and tests) can share a server

	// SearchIndexDir is where a serving process builds its search index
	// (in a fresh folder it removes on exit); empty: the system's
	// temporary folder.
	SearchIndexDir string

	KafkaBrokers []string // empty: an embedded kfake broker
	KafkaPort    int      // port of the embedded broker when it is the process's own

	TemporalAddress   string
	TemporalNamespace string
	TaskQueue         string
	// TemporalUIURL is the Temporal Web UI operators open from the console
	// (a link per workflow); empty: the console shows workflow ids only.
	TemporalUIURL string

	JWTKeyFile string        // Ed25519 private key (PEM, PKCS#8); created when missing in development only
	TokenTTL   time.Duration // lifetime of user tokens

	InternalURL string // where service-to-service clients reach the services (gRPC over h2c)

	PaymentTimeout time.Duration // how long an order waits for payment before it is cancelled

	// What one buyer may hold unpaid, and how often they may start checkouts.
	MaxUnpaidOrders int
	MaxUnpaidUnits  int64
	CheckoutLimit   ratelimit.Limit

	// The payment provider (mall paysim on a developer machine).
	ProviderURL           string // merchant API base URL
	ProviderAPIKey        string
	ProviderWebhookSecret string        // HMAC key of the provider's webhook signatures
	ProviderPollInterval  time.Duration // how often a payment asks the provider when no webhook came
	PublicURL             string        // where browsers reach the mall (the pay page sends customers back here)

	WebDir  string // the built SPA served on the API's origin (skipped when it has no index.html)
	OpsAddr string // /metrics and gRPC health (empty: not served); never on the API's address

	// Flash sales.
	FlashPaymentTimeout time.Duration // how long a flash-sale order waits for payment
	FlashSweepInterval  time.Duration // how often expired flash-sale orders are cancelled and their stock returned

	// The operators' attention list.
	AttentionPaymentGrace  time.Duration // how long past its deadline an unpaid order is listed
	AttentionRetryAttempts int           // an activity retried this many times is listed
	AttentionRetryAge      time.Duration // an activity retrying this long since scheduled is listed
	AttentionScanInterval  time.Duration // how often mall_attention_items is brought up to date
}

// Default abuse limits.
var (
	DefaultLoginLimitPerAccount    = ratelimit.Limit{Burst: 5, Period: time.Minute}
	DefaultLoginLimitPerAddress    = ratelimit.Limit{Burst: 20, Period: time.Minute}
	DefaultRegisterLimitPerAddress = ratelimit.Limit{Burst: 10, Period: time.Hour}
	DefaultPasswordChangeLimit     = ratelimit.Limit{Burst: 5, Period: 15 * time.Minute}
	DefaultCheckoutLimit           = ratelimit.Limit{Burst: 10, Period: time.Minute}
)

// Register adds the platform flags to fs with their defaults.
func (c *Config) Register(fs *pflag.FlagSet) {
	fs.BoolVar(&c.Dev, "dev", false, "development mode: accept the public development secrets and CORS *, create a missing JWT key, seed the demo admin (mall dev implies it)")
	fs.StringVar(&c.HTTPAddr, "http-addr", ":8080", "address the API listens on")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", 15*time.Second, "how long in-flight requests may finish on shutdown")
	fs.StringSliceVar(&c.CORSOrigins, "cors-origins", nil, "origins browsers may call the API from (empty: none but the API's own; development: the Vite dev server)")
	fs.StringVar(&c.LogLevel, "log-level", "info", "debug, info, warn or error")
	fs.Int64Var(&c.MaxRequestBytes, "max-request-bytes", 1<<20, "largest request body in bytes, and largest RPC message after decompression")
	fs.DurationVar(&c.RequestReadTimeout, "request-read-timeout", 10*time.Second, "how long a request body may take to arrive")
	fs.BoolVar(&c.Reflection, "reflection", false, "serve gRPC server reflection on the API for grpcurl and buf curl (development mode always does)")
	fs.StringSliceVar(&c.TrustedProxies, "trusted-proxies", nil, "proxies (CIDR prefixes or addresses) whose X-Forwarded-For names the client; empty: the connection's peer is the client")
	c.LoginLimitPerAccount, c.LoginLimitPerAddress = DefaultLoginLimitPerAccount, DefaultLoginLimitPerAddress
	c.RegisterLimitPerAddress, c.PasswordChangeLimit = DefaultRegisterLimitPerAddress, DefaultPasswordChangeLimit
	fs.Var(&c.LoginLimitPerAccount, "login-limit-account", "login attempts at one account from one client address")
	fs.Var(&c.LoginLimitPerAddress, "login-limit-address", "login attempts from one client address across accounts")
	fs.Var(&c.RegisterLimitPerAddress, "register-limit-address", "registrations from one client address")
	fs.Var(&c.PasswordChangeLimit, "password-change-limit", "password change attempts per account")
	fs.StringVar(&c.MySQLDSN, "mysql-dsn", "root@tcp(127.0.0.1:3306)/", "MySQL/MariaDB server DSN (go-sql-driver format, no database name)")
	fs.StringVar(&c.DBPrefix, "db-prefix", "mall_", "prefix of each service's database name")
	fs.StringVar(&c.RedisAddr, "redis-addr", "127.0.0.1:6379", "Valkey/Redis address; with --redis-cluster, seed nodes of the cluster separated by commas")
	fs.BoolVar(&c.RedisCluster, "redis-cluster", false, "Valkey/Redis is a cluster: --redis-addr lists seed nodes, the client follows the slot map")
	fs.StringVar(&c.CachePrefix, "cache-prefix", "mall:", "prefix of every Valkey key this deployment writes")
	fs.StringVar(&c.SearchIndexDir, "search-index-dir", "", "folder in which a serving process builds its search index, rebuilt from the catalog change topic at every start (empty: the system's temporary folder)")
	fs.StringSliceVar(&c.KafkaBrokers, "kafka-brokers", nil, "Kafka seed brokers; empty starts an embedded broker")
	fs.IntVar(&c.KafkaPort, "kafka-port", 0, "port of the embedded Kafka broker (0: any free port)")
	fs.StringVar(&c.TemporalAddress, "temporal-address", "127.0.0.1:7233", "Temporal frontend host:port")
	fs.StringVar(&c.TemporalNamespace, "temporal-namespace", "default", "Temporal namespace")
	fs.StringVar(&c.TaskQueue, "task-queue", "mall", "Temporal task queue of the mall workflows")
	fs.StringVar(&c.TemporalUIURL, "temporal-ui-url", "", "base URL of the Temporal Web UI the console links workflows to (mall dev: its own)")
	fs.StringVar(&c.JWTKeyFile, "jwt-key-file", ".mall/jwt-ed25519.pem", "Ed25519 signing key (PEM, PKCS#8); generated if missing in development mode only")
	fs.DurationVar(&c.TokenTTL, "token-ttl", 24*time.Hour, "lifetime of user tokens")
	fs.StringVar(&c.InternalURL, "internal-url", "http://127.0.0.1:8080", "base URL services use to call each other")
	fs.DurationVar(&c.PaymentTimeout, "payment-timeout", 30*time.Minute, "how long an order waits for payment before it is cancelled")
	fs.IntVar(&c.MaxUnpaidOrders, "max-unpaid-orders", 10, "unpaid orders one buyer may have at once")
	fs.Int64Var(&c.MaxUnpaidUnits, "max-unpaid-units", 50, "units one buyer may hold in unpaid orders at once")
	c.CheckoutLimit = DefaultCheckoutLimit
	fs.Var(&c.CheckoutLimit, "checkout-limit", "checkouts one buyer may start")
	fs.StringVar(&c.ProviderURL, "provider-url", "http://127.0.0.1:8090", "payment provider API base URL (mall paysim)")
	fs.StringVar(&c.ProviderAPIKey, "provider-api-key", DevProviderAPIKey, "payment provider API key (the default is a public development value, refused outside development mode)")
	fs.StringVar(&c.ProviderWebhookSecret, "provider-webhook-secret", DevProviderWebhookSecret, "HMAC key of the provider's webhooks (the default is a public development value, refused outside development mode)")
	fs.DurationVar(&c.ProviderPollInterval, "provider-poll-interval", 15*time.Second, "how often an unsettled payment polls the provider when no webhook arrives")
	fs.StringVar(&c.PublicURL, "public-url", "http://localhost:8080", "base URL browsers reach the mall at")
	fs.StringVar(&c.WebDir, "web-dir", "web/dist", "built web storefront to serve on the API's origin (skipped when missing)")
	fs.StringVar(&c.OpsAddr, "ops-addr", "", "address of /metrics and gRPC health, apart from the API (empty: not served; mall dev: a free local port)")
	fs.DurationVar(&c.FlashPaymentTimeout, "flash-payment-timeout", 10*time.Minute, "how long a flash-sale order waits for payment before its stock returns to the sale")
	fs.DurationVar(&c.FlashSweepInterval, "flash-sweep-interval", 15*time.Second, "how often expired flash-sale orders are cancelled and their stock returned")
	fs.DurationVar(&c.AttentionPaymentGrace, "attention-payment-grace", 5*time.Minute, "how long past its payment deadline an unpaid order may stay before the attention list shows it")
	fs.IntVar(&c.AttentionRetryAttempts, "attention-retry-attempts", 10, "attempts after which a retrying activity is on the attention list")
	fs.DurationVar(&c.AttentionRetryAge, "attention-retry-age", 10*time.Minute, "time since it was scheduled after which a retrying activity is on the attention list")
	fs.DurationVar(&c.AttentionScanInterval, "attention-scan-interval", 30*time.Second, "how often the attention list is scanned for mall_attention_items")
}

// Needs names the settings a role depends on that must not reach production
// with their development values.
type Needs struct {
	SigningKey     bool // issues or verifies tokens: --jwt-key-file must exist
	ProviderAPIKey bool // calls the payment provider
	WebhookSecret  bool // signs or verifies the provider's webhooks
	BrowserOrigins bool // answers browsers: --cors-origins
}

// Problem is one setting that still has a development value.
type Problem struct {
	Flag string // the flag's name, without dashes
	Fix  string // what is wrong and how to set it right
}

func (p Problem) String() string {
	return fmt.Sprintf("--%s (%s): %s", p.Flag, EnvName(p.Flag), p.Fix)
}

// DevelopmentDefaults lists the settings among needs that still have a
// development value, whether or not development mode is on.
func (c Config) DevelopmentDefaults(needs Needs) []Problem {
	var problems []Problem
	if needs.SigningKey {
		if _, err := os.Stat(c.JWTKeyFile); err != nil {
			fix := fmt.Sprintf("%s cannot be read (%v); create the signing key once and give it to every process: openssl genpkey -algorithm ed25519 -out <file> (only development mode generates a missing key)", c.JWTKeyFile, errors.Unwrap(err))
			if c.JWTKeyFile == "" {
				fix = "no signing key file is set; create one with openssl genpkey -algorithm ed25519 -out <file>"
			}
			problems = append(problems, Problem{Flag: "jwt-key-file", Fix: fix})
		}
	}
	if needs.ProviderAPIKey {
		switch strings.TrimSpace(c.ProviderAPIKey) {
		case DevProviderAPIKey:
			problems = append(problems, Problem{Flag: "provider-api-key", Fix: "is the public development value; set the API key your payment provider issued"})
		case "":
			problems = append(problems, Problem{Flag: "provider-api-key", Fix: "is empty; set the API key your payment provider issued"})
		}
	}
	if needs.WebhookSecret {
		switch secret := c.ProviderWebhookSecret; {
		case secret == DevProviderWebhookSecret:
			problems = append(problems, Problem{Flag: "provider-webhook-secret", Fix: "is the public development value; set the webhook signing secret your payment provider issued"})
		case len(secret) < minWebhookSecretLen:
			problems = append(problems, Problem{Flag: "provider-webhook-secret", Fix: fmt.Sprintf("is shorter than %d bytes; set the webhook signing secret your payment provider issued", minWebhookSecretLen)})
		}
	}
	if needs.BrowserOrigins {
		// rs/cors reads a "*" anywhere in an entry as a wildcard ("http*"
		// allows every origin), so production takes exact origins only.
		for _, origin := range c.CORSOrigins {
			if strings.Contains(origin, "*") {
				problems = append(problems, Problem{Flag: "cors-origins", Fix: fmt.Sprintf("%q is a wildcard; list the exact origins that may call the API, or leave it empty when the storefront is served on the API's origin", strings.TrimSpace(origin))})
				break
			}
		}
	}
	return problems
}

// RefuseDevelopmentDefaults is nil in development mode or when no setting
// among needs has a development value; otherwise an error naming each one
// and how to set it.
func (c Config) RefuseDevelopmentDefaults(needs Needs) error {
	if c.Dev {
		return nil
	}
	problems := c.DevelopmentDefaults(needs)
	if len(problems) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString("refusing to start with development settings (start with --dev or MALL_DEV=true on a developer machine only):")
	for _, p := range problems {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return errors.New(b.String())
}

// EnvName is the environment variable that overrides a flag.
func EnvName(flag string) string {
	return "MALL_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// ApplyEnv sets every flag not given on the command line from its MALL_*
// variable, if present. Call it after parsing.
func ApplyEnv(fs *pflag.FlagSet) error {
	var err error
	fs.VisitAll(func(f *pflag.Flag) {
		if err != nil || f.Changed {
			return
		}
		if v, ok := os.LookupEnv(EnvName(f.Name)); ok {
			if setErr := fs.Set(f.Name, v); setErr != nil {
				err = fmt.Errorf("%s: %w", EnvName(f.Name), setErr)
			}
		}
	})
	return err
}
