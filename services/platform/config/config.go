// Package config holds the settings every mall process shares. Each setting is
// a flag with a working local default, overridable by a MALL_* environment
// variable (flag name upper-cased, dashes to underscores): an explicit flag
// wins over the environment, the environment over the default.
package config

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// Config is the platform configuration; it knows no domain.
type Config struct {
	HTTPAddr        string
	ShutdownTimeout time.Duration
	CORSOrigins     []string
	LogLevel        string

	MaxRequestBytes    int64         // largest request body, and RPC message after decompression
	RequestReadTimeout time.Duration // how long a request body may take to arrive

	MySQLDSN string // server DSN without a database; each service adds its own
	DBPrefix string // database name = prefix + service name

	RedisAddr   string
	CachePrefix string // prefix of every Valkey key, so deployments (and tests) can share a server

	KafkaBrokers []string // empty: an embedded kfake broker
	KafkaPort    int      // port of the embedded broker when it is the process's own

	TemporalAddress   string
	TemporalNamespace string
	TaskQueue         string

	JWTKeyFile string        // Ed25519 private key (PEM, PKCS#8); created when missing
	TokenTTL   time.Duration // lifetime of user tokens

	InternalURL string // where service-to-service clients reach the services (gRPC over h2c)

	PaymentTimeout time.Duration // how long an order waits for payment before it is cancelled

	// What one buyer may hold unpaid, and how often they may start checkouts.
	MaxUnpaidOrders    int
	MaxUnpaidUnits     int64
	CheckoutsPerMinute int

	// The payment provider (mall paysim on a developer machine).
	ProviderURL           string // merchant API base URL
	ProviderAPIKey        string
	ProviderWebhookSecret string        // HMAC key of the provider's webhook signatures
	ProviderPollInterval  time.Duration // how often a payment asks the provider when no webhook came
	PublicURL             string        // where browsers reach the mall (the pay page sends customers back here)

	WebDir  string // the built SPA served on the API's origin (skipped when it has no index.html)
	OpsAddr string // /metrics and gRPC health of a worker or writer (empty: not served)

	// Flash sales.
	FlashPaymentTimeout time.Duration // how long a flash-sale order waits for payment
	FlashSweepInterval  time.Duration // how often expired flash-sale orders are cancelled and their stock returned
}

// Register adds the platform flags to fs with their defaults.
func (c *Config) Register(fs *pflag.FlagSet) {
	fs.StringVar(&c.HTTPAddr, "http-addr", ":8080", "address the API listens on")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", 15*time.Second, "how long in-flight requests may finish on shutdown")
	fs.StringSliceVar(&c.CORSOrigins, "cors-origins", []string{"*"}, "origins browsers may call the API from")
	fs.StringVar(&c.LogLevel, "log-level", "info", "debug, info, warn or error")
	fs.Int64Var(&c.MaxRequestBytes, "max-request-bytes", 1<<20, "largest request body in bytes, and largest RPC message after decompression")
	fs.DurationVar(&c.RequestReadTimeout, "request-read-timeout", 10*time.Second, "how long a request body may take to arrive")
	fs.StringVar(&c.MySQLDSN, "mysql-dsn", "root@tcp(127.0.0.1:3306)/", "MySQL/MariaDB server DSN (go-sql-driver format, no database name)")
	fs.StringVar(&c.DBPrefix, "db-prefix", "mall_", "prefix of each service's database name")
	fs.StringVar(&c.RedisAddr, "redis-addr", "127.0.0.1:6379", "Valkey/Redis address")
	fs.StringVar(&c.CachePrefix, "cache-prefix", "mall:", "prefix of every Valkey key this deployment writes")
	fs.StringSliceVar(&c.KafkaBrokers, "kafka-brokers", nil, "Kafka seed brokers; empty starts an embedded broker")
	fs.IntVar(&c.KafkaPort, "kafka-port", 0, "port of the embedded Kafka broker (0: any free port)")
	fs.StringVar(&c.TemporalAddress, "temporal-address", "127.0.0.1:7233", "Temporal frontend host:port")
	fs.StringVar(&c.TemporalNamespace, "temporal-namespace", "default", "Temporal namespace")
	fs.StringVar(&c.TaskQueue, "task-queue", "mall", "Temporal task queue of the mall workflows")
	fs.StringVar(&c.JWTKeyFile, "jwt-key-file", ".mall/jwt-ed25519.pem", "Ed25519 signing key (PEM); generated if missing")
	fs.DurationVar(&c.TokenTTL, "token-ttl", 24*time.Hour, "lifetime of user tokens")
	fs.StringVar(&c.InternalURL, "internal-url", "http://127.0.0.1:8080", "base URL services use to call each other")
	fs.DurationVar(&c.PaymentTimeout, "payment-timeout", 30*time.Minute, "how long an order waits for payment before it is cancelled")
	fs.IntVar(&c.MaxUnpaidOrders, "max-unpaid-orders", 10, "unpaid orders one buyer may have at once")
	fs.Int64Var(&c.MaxUnpaidUnits, "max-unpaid-units", 50, "units one buyer may hold in unpaid orders at once")
	fs.IntVar(&c.CheckoutsPerMinute, "checkouts-per-minute", 10, "checkouts one buyer may start per minute")
	fs.StringVar(&c.ProviderURL, "provider-url", "http://127.0.0.1:8090", "payment provider API base URL (mall paysim)")
	fs.StringVar(&c.ProviderAPIKey, "provider-api-key", "sk_dev_mall", "payment provider API key (the development default is public)")
	fs.StringVar(&c.ProviderWebhookSecret, "provider-webhook-secret", "whsec_dev_mall", "HMAC key of the provider's webhooks (the development default is public)")
	fs.DurationVar(&c.ProviderPollInterval, "provider-poll-interval", 15*time.Second, "how often an unsettled payment polls the provider when no webhook arrives")
	fs.StringVar(&c.PublicURL, "public-url", "http://localhost:8080", "base URL browsers reach the mall at")
	fs.StringVar(&c.WebDir, "web-dir", "web/dist", "built web storefront to serve on the API's origin (skipped when missing)")
	fs.StringVar(&c.OpsAddr, "ops-addr", "", "address of /metrics and gRPC health for worker and writer processes (serve has them on --http-addr)")
	fs.DurationVar(&c.FlashPaymentTimeout, "flash-payment-timeout", 10*time.Minute, "how long a flash-sale order waits for payment before its stock returns to the sale")
	fs.DurationVar(&c.FlashSweepInterval, "flash-sweep-interval", 15*time.Second, "how often expired flash-sale orders are cancelled and their stock returned")
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
