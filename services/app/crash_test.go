package app_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"connectrpc.com/connect"

	orderv1 "mall/gen/mall/order/v1"
	"mall/gen/mall/order/v1/orderv1connect"
	"mall/gen/mall/product/v1/productv1connect"
	"mall/gen/mall/user/v1/userv1connect"
	"mall/services/app"
	"mall/services/platform/rpcclient"
	"mall/services/platform/testenv"
	"mall/workflows/checkout"
)

// buildMall compiles the mall binary for tests that run roles as processes;
// those join the test's servers, so they are integration tests (and the
// build alone takes longer than the whole -short tier should).
func buildMall(t *testing.T) string {
	t.Helper()
	testenv.Integration(t)
	bin := filepath.Join(t.TempDir(), "mall")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/mall")
	cmd.Dir = filepath.Join(testenv.RepoRoot(t), "services")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// childEnv is the environment of a mall process joining the test's mall:
// its Temporal, task queue, services, embedded Kafka, databases, cache
// prefix, signing key, secrets and limits. It is a production
// configuration: the processes start without --dev.
func childEnv(url string, deps *app.Deps) []string {
	cfg := deps.Config
	return append(os.Environ(),
		"MALL_TEMPORAL_ADDRESS="+cfg.TemporalAddress, "MALL_TASK_QUEUE="+cfg.TaskQueue,
		"MALL_INTERNAL_URL="+url, "MALL_KAFKA_BROKERS="+strings.Join(deps.Kafka.Brokers, ","),
		"MALL_REDIS_ADDR="+cfg.RedisAddr, "MALL_MYSQL_DSN="+cfg.MySQLDSN, "MALL_DB_PREFIX="+cfg.DBPrefix,
		"MALL_CACHE_PREFIX="+cfg.CachePrefix, "MALL_JWT_KEY_FILE="+cfg.JWTKeyFile, "MALL_LOG_LEVEL=warn",
		"MALL_PROVIDER_API_KEY="+cfg.ProviderAPIKey, "MALL_PROVIDER_WEBHOOK_SECRET="+cfg.ProviderWebhookSecret,
		"MALL_REGISTER_LIMIT_ADDRESS="+cfg.RegisterLimitPerAddress.String(), "MALL_DEV=false")
}

// TestCheckoutsSurviveAKilledWorker runs checkouts through two `mall worker`
// processes, kills one with SIGKILL in the middle and starts a new one:
// every saga still ends PAID or CANCELLED and stock is conserved.
func TestCheckoutsSurviveAKilledWorker(t *testing.T) {
	bin := buildMall(t)
	url, deps := startApp(t, func(cfg *appConfig) { cfg.PaymentTimeout = 6 * time.Second })
	env := childEnv(url, deps)
	var mu sync.Mutex
	var workers []*exec.Cmd
	startWorker := func() *exec.Cmd {
		cmd := exec.Command(bin, "worker")
		cmd.Env = env
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		workers = append(workers, cmd)
		mu.Unlock()
		return cmd
	}
	t.Cleanup(func() {
		for _, w := range workers {
			_ = w.Process.Kill()
			_, _ = w.Process.Wait()
		}
	})
	victim := startWorker()
	startWorker()

	ctx := context.Background()
	h := rpcclient.HTTPClient()
	users := userv1connect.NewUserServiceClient(h, url, connect.WithGRPC())
	orders := orderv1connect.NewOrderServiceClient(h, url, connect.WithGRPC())
	products := productv1connect.NewProductServiceClient(h, url, connect.WithGRPC())
	tc, err := deps.Temporal(ctx)
	if err != nil {
		t.Fatal(err)
	}
	m := &mall{url: url, deps: deps, temporal: tc, users: users, orders: orders, products: products}
	items := []string{"p0080", "p0081", "p0082"}
	before := map[string]stock{}
	for _, id := range items {
		before[id] = m.stockOf(t, id)
	}

	const shoppers = 24
	orderIDs := make([]string, shoppers)
	tokens := make([]string, shoppers)
	var wg sync.WaitGroup
	for i := range shoppers {
		if i == shoppers/2 {
			// Half the checkouts are in: kill a worker mid-flight.
			if err := victim.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			_, _ = victim.Process.Wait()
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			token := m.shopper(t, fmt.Sprintf("crash_%d", i))
			res, err := orders.Checkout(ctx, testenv.Bearer(token, &orderv1.CheckoutRequest{
				RequestId: fmt.Sprintf("crash-req-%04d", i), AddressId: m.defaultAddress(t, token),
				Items: &orderv1.CheckoutRequest_BuyNow{BuyNow: &orderv1.BuyNowItem{ProductId: items[i%len(items)], Quantity: int32(1 + i%3)}}}))
			if err != nil {
				t.Error(err)
				return
			}
			orderIDs[i], tokens[i] = res.Msg.GetOrderId(), token
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	startWorker() // the replacement

	// Pay the even ones once they await payment; the odd ones time out.
	for i := 0; i < shoppers; i += 2 {
		m.waitStatus(t, tokens[i], orderIDs[i], orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT)
		m.pay(t, orderIDs[i])
	}
	for i, id := range orderIDs {
		want := orderv1.OrderStatus_ORDER_STATUS_PAID
		if i%2 == 1 {
			want = orderv1.OrderStatus_ORDER_STATUS_CANCELLED
		}
		m.waitStatus(t, tokens[i], id, want)
		if want == orderv1.OrderStatus_ORDER_STATUS_CANCELLED {
			// Compensation (stock release) is done when the workflow ends.
			waitCtx, cancel := context.WithTimeout(ctx, 2*time.Minute)
			var status checkout.Status
			err := tc.GetWorkflow(waitCtx, checkout.WorkflowID(id), "").Get(waitCtx, &status)
			cancel()
			if err != nil || status.State != checkout.StateCancelled {
				t.Fatalf("saga of %s ended %v %v", id, status, err)
			}
		}
	}
	for _, id := range items {
		s, b := m.stockOf(t, id), before[id]
		if s.reserved != b.reserved || s.available+s.reserved+s.sold != b.available+b.reserved+b.sold {
			t.Errorf("%s not conserved: before %+v after %+v", id, b, s)
		}
	}
}
