// Package app wires the domains onto the platform: which services exist,
// which database each owns, and how each handler is built. It is the only
// place that knows every domain.
package app

import (
	"context"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"connectrpc.com/connect"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/uptrace/bun"

	"mall/gen/mall/cart/v1/cartv1connect"
	"mall/gen/mall/ops/v1/opsv1connect"
	"mall/gen/mall/order/v1/orderv1connect"
	"mall/gen/mall/pay/v1/payv1connect"
	"mall/gen/mall/product/v1/productv1connect"
	"mall/gen/mall/review/v1/reviewv1connect"
	"mall/gen/mall/search/v1/searchv1connect"
	"mall/gen/mall/seckill/v1/seckillv1connect"
	"mall/gen/mall/storefront/v1/storefrontv1connect"
	"mall/gen/mall/user/v1/userv1connect"
	"mall/services/cart"
	"mall/services/ops"
	"mall/services/order"
	"mall/services/pay"
	"mall/services/pay/provider"
	"mall/services/platform/clientaddr"
	"mall/services/platform/config"
	"mall/services/platform/ratelimit"
	"mall/services/product"
	"mall/services/review"
	"mall/services/search"
	"mall/services/seckill"
	"mall/services/storefront"
	"mall/services/user"
)

// Domain is one service of the mall.
type Domain struct {
	Name       string // short name: "product"; its database is <prefix><Name>
	Service    string // fully-qualified protobuf service name
	Migrations fs.FS  // nil when the domain owns no database
	Mount      func(ctx context.Context, deps *Deps, opts ...connect.HandlerOption) (string, http.Handler, error)
	Seed       func(ctx context.Context, db *bun.DB) error // demo data; nil when the domain has none
	// DevSeed is data for development mode only (the demo admin, whose
	// password is public); nil when the domain has none.
	DevSeed func(ctx context.Context, db *bun.DB) error
}

// Domains lists every service in a stable order.
func Domains() []Domain {
	return []Domain{
		{Name: "user", Service: userv1connect.UserServiceName, Migrations: user.Migrations(),
			Mount: mountUser, DevSeed: user.SeedDevAdmin},
		{Name: "product", Service: productv1connect.ProductServiceName, Migrations: product.Migrations(),
			Mount: mountProduct, Seed: product.Seed},
		{Name: "cart", Service: cartv1connect.CartServiceName, Migrations: cart.Migrations(),
			Mount: mountCart},
		{Name: "order", Service: orderv1connect.OrderServiceName, Migrations: order.Migrations(),
			Mount: mountOrder},
		{Name: "pay", Service: payv1connect.PayServiceName, Migrations: pay.Migrations(),
			Mount: mountPay},
		{Name: "seckill", Service: seckillv1connect.SeckillServiceName, Migrations: seckill.Migrations(),
			Mount: mountSeckill, Seed: seckill.Seed},
		{Name: "review", Service: reviewv1connect.ReviewServiceName, Migrations: review.Migrations(),
			Mount: mountReview},
		{Name: "ops", Service: opsv1connect.OpsServiceName, Migrations: ops.Migrations(),
			Mount: mountOps},
		{Name: "search", Service: searchv1connect.SearchServiceName, Mount: mountSearch},
		{Name: "storefront", Service: storefrontv1connect.StorefrontServiceName,
			Mount: func(_ context.Context, deps *Deps, opts ...connect.HandlerOption) (string, http.Handler, error) {
				httpClient, url, clientOpts := deps.ServiceClientOptions("storefront")
				svc := storefront.NewService(storefront.NewUpstreams(httpClient, url, clientOpts...), deps.Logger)
				deps.OnCacheToggle(svc.SetCacheEnabled)
				path, handler := storefrontv1connect.NewStorefrontServiceHandler(svc, append(opts, svc.HandlerOptions()...)...)
				return path, handler, nil
			}},
	}
}

// Select returns the domains named in list ("all" or short names).
func Select(list []string) ([]Domain, error) {
	all := Domains()
	if len(list) == 0 || (len(list) == 1 && list[0] == "all") {
		return all, nil
	}
	var selected []Domain
	for _, name := range list {
		name = strings.TrimSpace(name)
		i := slices.IndexFunc(all, func(d Domain) bool { return d.Name == name })
		if i < 0 {
			return nil, fmt.Errorf("unknown service %q (known: %s)", name, strings.Join(Names(all), ", "))
		}
		if !slices.ContainsFunc(selected, func(d Domain) bool { return d.Name == name }) {
			selected = append(selected, all[i])
		}
	}
	return selected, nil
}

// Names returns the short names of domains.
func Names(domains []Domain) []string {
	names := make([]string, len(domains))
	for i, d := range domains {
		names[i] = d.Name
	}
	return names
}

// mountProduct builds the catalog over its database and Valkey, serves the
// demo and uploaded pictures, and runs the rankings consumer of order events
// in the background.
func mountProduct(ctx context.Context, deps *Deps, opts ...connect.HandlerOption) (string, http.Handler, error) {
	handle, err := deps.Database(ctx, "product")
	if err != nil {
		return "", nil, err
	}
	productOpts := product.DefaultOptions()
	productOpts.KeyPrefix = deps.Config.CachePrefix
	svc := product.NewService(handle, deps.Valkey, deps.Logger, productOpts)
	httpClient, url, clientOpts := deps.ServiceClientOptions("product")
	svc.SetSearcher(searchv1connect.NewSearchServiceClient(httpClient, url, clientOpts...))
	deps.OnClose(svc.Close)
	deps.OnCacheToggle(svc.SetCacheEnabled)
	deps.HandleHTTP("/img/", product.ImageHandler())
	deps.HandleHTTP(product.UploadedImagePath, svc.UploadedImageHandler())
	deps.Background(func(ctx context.Context) error {
		client, err := deps.Kafka.NewClient(product.RankingConsumerOptions()...)
		if err != nil {
			return err
		}
		defer client.Close()
		return svc.ConsumeOrderEvents(ctx, client)
	})
	deps.Background(func(ctx context.Context) error {
		producer, err := deps.Kafka.NewClient(kgo.DefaultProduceTopic(product.CatalogChangesTopic), kgo.RequiredAcks(kgo.AllISRAcks()))
		if err != nil {
			return err
		}
		defer producer.Close()
		return svc.RelayCatalogChanges(ctx, producer)
	})
	path, handler := productv1connect.NewProductServiceHandler(svc, opts...)
	return path, handler, nil
}

// mountSearch builds this process's search index in a fresh folder and
// fills it from the catalog change topic; searches answer once it has
// caught up.
func mountSearch(_ context.Context, deps *Deps, opts ...connect.HandlerOption) (string, http.Handler, error) {
	dir, err := os.MkdirTemp(deps.Config.SearchIndexDir, "mall-search-")
	if err != nil {
		return "", nil, fmt.Errorf("search index folder: %w", err)
	}
	engine, err := search.NewBleveEngine(filepath.Join(dir, "index"))
	if err != nil {
		_ = os.RemoveAll(dir)
		return "", nil, err
	}
	deps.OnClose(func() {
		if err := engine.Close(); err != nil {
			deps.Logger.Warn("closing the search index failed", "err", err)
		}
		_ = os.RemoveAll(dir)
	})
	indexer := search.NewIndexer(engine, deps.Logger)
	searchOpts := search.DefaultOptions()
	searchOpts.KeyPrefix = deps.Config.CachePrefix
	if searchOpts.Clients, err = clientaddr.New(deps.Config.TrustedProxies); err != nil {
		return "", nil, err
	}
	svc := search.NewService(indexer, deps.Valkey, deps.Logger, searchOpts)
	deps.Background(func(ctx context.Context) error {
		client, err := deps.Kafka.NewClient(search.IndexerConsumerOptions()...)
		if err != nil {
			return err
		}
		defer client.Close()
		return indexer.Run(ctx, client)
	})
	deps.Background(svc.Run)
	// A process whose index is still reading the topic answers searches
	// SEARCH_INDEX_WARMING: it is not ready for traffic until caught up.
	deps.ReadyWhen(searchv1connect.SearchServiceName, indexer.IsReady)
	path, handler := searchv1connect.NewSearchServiceHandler(svc, opts...)
	return path, handler, nil
}

func mountUser(ctx context.Context, deps *Deps, opts ...connect.HandlerOption) (string, http.Handler, error) {
	handle, err := deps.Database(ctx, "user")
	if err != nil {
		return "", nil, err
	}
	httpClient, url, clientOpts := deps.ServiceClientOptions("user")
	userOpts, err := userOptions(deps.Config)
	if err != nil {
		return "", nil, err
	}
	svc := user.NewService(handle, deps.Valkey, deps.Keys, deps.Revocations, ratelimit.New(deps.Valkey, deps.Config.CachePrefix+"ratelimit:user:"),
		productv1connect.NewProductServiceClient(httpClient, url, clientOpts...), deps.Logger, userOpts)
	path, handler := userv1connect.NewUserServiceHandler(svc, opts...)
	return path, handler, nil
}

// userOptions are the user service's settings from the configuration; a
// limit left zero (a Config built in code) keeps the service's default.
func userOptions(cfg config.Config) (user.Options, error) {
	opts := user.DefaultOptions()
	opts.KeyPrefix = cfg.CachePrefix
	if cfg.TokenTTL > 0 {
		opts.TokenTTL = cfg.TokenTTL
	}
	for _, l := range []struct {
		from ratelimit.Limit
		to   *ratelimit.Limit
	}{
		{cfg.LoginLimitPerAccount, &opts.AccountLimit}, {cfg.LoginLimitPerAddress, &opts.AddressLimit},
		{cfg.RegisterLimitPerAddress, &opts.RegisterLimit}, {cfg.PasswordChangeLimit, &opts.PasswordChangeLimit},
	} {
		if l.from.Burst > 0 && l.from.Period > 0 {
			*l.to = l.from
		}
	}
	clients, err := clientaddr.New(cfg.TrustedProxies)
	if err != nil {
		return user.Options{}, fmt.Errorf("--trusted-proxies: %w", err)
	}
	opts.Clients = clients
	return opts, nil
}

func mountCart(ctx context.Context, deps *Deps, opts ...connect.HandlerOption) (string, http.Handler, error) {
	handle, err := deps.Database(ctx, "cart")
	if err != nil {
		return "", nil, err
	}
	httpClient, url, clientOpts := deps.ServiceClientOptions("cart")
	svc := cart.NewService(handle, productv1connect.NewProductServiceClient(httpClient, url, clientOpts...), deps.Logger)
	path, handler := cartv1connect.NewCartServiceHandler(svc, opts...)
	return path, handler, nil
}

func mountOrder(ctx context.Context, deps *Deps, opts ...connect.HandlerOption) (string, http.Handler, error) {
	handle, err := deps.Database(ctx, "order")
	if err != nil {
		return "", nil, err
	}
	tc, err := deps.Temporal(ctx)
	if err != nil {
		return "", nil, err
	}
	orderOpts := order.DefaultOptions()
	if deps.Config.PaymentTimeout > 0 {
		orderOpts.PaymentTimeout = deps.Config.PaymentTimeout
	}
	orderOpts.MaxUnpaidOrders, orderOpts.MaxUnpaidUnits = deps.Config.MaxUnpaidOrders, deps.Config.MaxUnpaidUnits
	orderOpts.CheckoutLimit = deps.Config.CheckoutLimit
	orderOpts.TemporalUIURL, orderOpts.TemporalNamespace = deps.Config.TemporalUIURL, deps.Config.TemporalNamespace
	orderOpts.Feed = deps.Feed()
	httpClient, url, clientOpts := deps.ServiceClientOptions("order")
	svc := order.NewService(handle, tc, deps.Config.TaskQueue, order.FlashSaleClients{
		Products: productv1connect.NewProductServiceClient(httpClient, url, clientOpts...),
		Seckill:  seckillv1connect.NewSeckillServiceClient(httpClient, url, clientOpts...),
	}, ratelimit.New(deps.Valkey, deps.Config.CachePrefix+"ratelimit:checkout:"), deps.Logger, orderOpts)
	path, handler := orderv1connect.NewOrderServiceHandler(svc, opts...)
	return path, handler, nil
}

// mountPay builds the pay service over its database, Temporal (where
// PaymentWorkflow runs) and the payment provider.
func mountPay(ctx context.Context, deps *Deps, opts ...connect.HandlerOption) (string, http.Handler, error) {
	handle, err := deps.Database(ctx, "pay")
	if err != nil {
		return "", nil, err
	}
	tc, err := deps.Temporal(ctx)
	if err != nil {
		return "", nil, err
	}
	httpClient, url, clientOpts := deps.ServiceClientOptions("pay")
	cfg := deps.Config
	svc := pay.NewService(handle, tc, orderv1connect.NewOrderServiceClient(httpClient, url, clientOpts...),
		provider.NewClient(cfg.ProviderURL, cfg.ProviderAPIKey), deps.Logger, pay.Options{
			TaskQueue:     cfg.TaskQueue,
			WebhookSecret: []byte(cfg.ProviderWebhookSecret),
			PublicURL:     cfg.PublicURL,
			NotifyURL:     cfg.PublicURL + payv1connect.PayServiceProviderWebhookProcedure,
			PollInterval:  cfg.ProviderPollInterval,
		})
	path, handler := payv1connect.NewPayServiceHandler(svc, opts...)
	return path, handler, nil
}

// mountReview builds the review service over its database and Valkey (the
// cached summaries) and serves the review pictures it stores; it asks the
// order service who may review and the user service for the author's
// nickname.
func mountReview(ctx context.Context, deps *Deps, opts ...connect.HandlerOption) (string, http.Handler, error) {
	handle, err := deps.Database(ctx, "review")
	if err != nil {
		return "", nil, err
	}
	httpClient, url, clientOpts := deps.ServiceClientOptions("review")
	reviewOpts := review.DefaultOptions()
	reviewOpts.KeyPrefix = deps.Config.CachePrefix
	svc := review.NewService(handle,
		orderv1connect.NewOrderServiceClient(httpClient, url, clientOpts...),
		userv1connect.NewUserServiceClient(httpClient, url, clientOpts...),
		deps.Valkey, deps.Logger, reviewOpts)
	deps.OnCacheToggle(svc.SetCacheEnabled)
	deps.HandleHTTP(review.ImagePath, svc.ImageHandler())
	path, handler := reviewv1connect.NewReviewServiceHandler(svc, opts...)
	return path, handler, nil
}

// mountSeckill builds the flash-sale service over its database, Valkey (the
// live sales) and a Kafka producer of accepted purchases, and watches the
// live sales for lost Valkey state in the background.
func mountSeckill(ctx context.Context, deps *Deps, opts ...connect.HandlerOption) (string, http.Handler, error) {
	handle, err := deps.Database(ctx, "seckill")
	if err != nil {
		return "", nil, err
	}
	// Every purchase waits for its record's acknowledgement: a linger
	// would only add to each buyer's wait (franz-go's default is 10 ms),
	// and records arriving while a produce request is in flight go out
	// together in the next one anyway.
	producer, err := deps.Kafka.NewClient(kgo.RequiredAcks(kgo.AllISRAcks()), kgo.ProducerLinger(0))
	if err != nil {
		return "", nil, err
	}
	deps.OnClose(producer.Close)
	httpClient, url, clientOpts := deps.ServiceClientOptions("seckill")
	seckillOpts := seckill.DefaultOptions()
	seckillOpts.KeyPrefix = deps.Config.CachePrefix + "seckill:"
	seckillOpts.Feed = deps.Feed()
	if deps.Config.FlashPaymentTimeout > 0 {
		seckillOpts.PaymentTimeout = deps.Config.FlashPaymentTimeout
	}
	userOpts, err := userOptions(deps.Config)
	if err != nil {
		return "", nil, err
	}
	svc := seckill.NewService(handle, deps.Valkey, seckill.Kafka{Producer: producer, NewClient: deps.Kafka.NewClient},
		productv1connect.NewProductServiceClient(httpClient, url, clientOpts...),
		orderv1connect.NewOrderServiceClient(httpClient, url, clientOpts...),
		user.NewAddressReader(deps.Valkey, userOpts, userv1connect.NewUserServiceClient(httpClient, url, clientOpts...)),
		deps.Logger, seckillOpts)
	deps.Background(svc.WatchSales)
	deps.Background(svc.RelayOutboxes)
	deps.Background(svc.ClearOutboxes)
	deps.Background(svc.RecordAdmissions)
	path, handler := seckillv1connect.NewSeckillServiceHandler(svc, opts...)
	return path, handler, nil
}

// mountOps builds the ops service over its database, the order and user
// services and Temporal, and scans the attention list in the background
// for mall_attention_items: in the serving role, which owns the marks the
// count leaves out; each replica reports the same count (the alert takes
// the max).
func mountOps(ctx context.Context, deps *Deps, opts ...connect.HandlerOption) (string, http.Handler, error) {
	handle, err := deps.Database(ctx, "ops")
	if err != nil {
		return "", nil, err
	}
	tc, err := deps.Temporal(ctx)
	if err != nil {
		return "", nil, err
	}
	cfg := deps.Config
	httpClient, url, clientOpts := deps.ServiceClientOptions("ops")
	svc := ops.NewService(handle,
		orderv1connect.NewOrderServiceClient(httpClient, url, clientOpts...),
		userv1connect.NewUserServiceClient(httpClient, url, clientOpts...),
		tc, deps.Logger, ops.Options{
			TemporalUIURL: cfg.TemporalUIURL, TemporalNamespace: cfg.TemporalNamespace,
			PaymentGrace: cfg.AttentionPaymentGrace, RetryAttempts: int32(cfg.AttentionRetryAttempts), RetryAge: cfg.AttentionRetryAge,
			ScanInterval: cfg.AttentionScanInterval,
		})
	deps.Background(svc.Scan)
	path, handler := opsv1connect.NewOpsServiceHandler(svc, opts...)
	return path, handler, nil
}
