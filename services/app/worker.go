package app

import (
	"context"
	"fmt"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"google.golang.org/protobuf/proto"

	"mall/gen/mall/cart/v1/cartv1connect"
	orderv1 "mall/gen/mall/order/v1"
	"mall/gen/mall/order/v1/orderv1connect"
	"mall/gen/mall/pay/v1/payv1connect"
	"mall/gen/mall/product/v1/productv1connect"
	"mall/gen/mall/seckill/v1/seckillv1connect"
	"mall/gen/mall/user/v1/userv1connect"
	"mall/services/pay/provider"
	"mall/services/platform/temporalx"
	"mall/workflows/cancellation"
	"mall/workflows/checkout"
	"mall/workflows/flashsale"
	"mall/workflows/healthcheck"
	"mall/workflows/payment"
	"mall/workflows/searchattr"
)

// NewWorker builds the Temporal worker of the mall: every workflow package
// with its activities, whose clients call the services over gRPC as the
// "worker" service and publish order events to Kafka. A namespace without
// the sagas' search attributes is refused (the error says how to register
// them); one whose attributes cannot be listed is only warned about.
func NewWorker(deps *Deps, tc client.Client) (worker.Worker, error) {
	checkCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	listed, err := temporalx.CheckSearchAttributes(checkCtx, tc, deps.Config.TemporalNamespace, searchattr.All)
	cancel()
	if listed && err != nil {
		return nil, err
	}
	if err != nil {
		deps.Logger.Warn("search attributes not checked; the sagas fail their workflow tasks if the namespace lacks them", "err", err)
	}
	producer, err := deps.Kafka.NewClient(kgo.DefaultProduceTopic(checkout.OrderEventsTopic), kgo.RequiredAcks(kgo.AllISRAcks()))
	if err != nil {
		return nil, err
	}
	deps.OnClose(producer.Close)
	httpClient, url, opts := deps.ServiceClientOptions("worker")
	activities := &checkout.Activities{
		Products: productv1connect.NewProductServiceClient(httpClient, url, opts...),
		Carts:    cartv1connect.NewCartServiceClient(httpClient, url, opts...),
		Users:    userv1connect.NewUserServiceClient(httpClient, url, opts...),
		Orders:   orderv1connect.NewOrderServiceClient(httpClient, url, opts...),
		Events:   orderEventPublisher{producer},
	}
	pay := payv1connect.NewPayServiceClient(httpClient, url, opts...)
	payments := &payment.Activities{Pay: pay, Orders: activities.Orders, Products: activities.Products,
		Provider: sagaProvider{provider.NewClient(deps.Config.ProviderURL, deps.Config.ProviderAPIKey)}}
	cancellations := &cancellation.Activities{Pay: pay, Orders: activities.Orders}
	sweeps := &flashsale.Activities{Orders: activities.Orders, Products: activities.Products,
		Seckill: seckillv1connect.NewSeckillServiceClient(httpClient, url, opts...)}
	return temporalx.NewWorker(tc, deps.Config.TaskQueue,
		healthcheck.Register,
		func(w worker.Registry) { checkout.Register(w, activities) },
		func(w worker.Registry) { payment.Register(w, payments) },
		func(w worker.Registry) { cancellation.Register(w, cancellations) },
		func(w worker.Registry) { flashsale.Register(w, sweeps) },
	), nil
}

// orderEventPublisher writes order events to Kafka, keyed by order id so
// one order's events stay in order on one partition.
type orderEventPublisher struct{ producer *kgo.Client }

func (p orderEventPublisher) Publish(ctx context.Context, event *orderv1.OrderEvent) error {
	value, err := proto.Marshal(event)
	if err != nil {
		return err
	}
	if err := p.producer.ProduceSync(ctx, &kgo.Record{Key: []byte(event.GetOrderId()), Value: value}).FirstErr(); err != nil {
		return fmt.Errorf("publish order event %s: %w", event.GetEventId(), err)
	}
	return nil
}
