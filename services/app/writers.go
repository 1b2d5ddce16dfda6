package app

import (
	"mall/gen/mall/order/v1/orderv1connect"
	"mall/gen/mall/seckill/v1/seckillv1connect"
	"mall/services/seckill"
)

// NewWriter builds a batched flash-sale order writer: a consumer in the
// writers' group on this deployment's Kafka, calling the order and seckill
// services as the "writer" service. close releases its Kafka client.
func NewWriter(deps *Deps) (*seckill.Writer, func(), error) {
	client, err := deps.Kafka.NewClient(seckill.WriterClientOptions()...)
	if err != nil {
		return nil, nil, err
	}
	httpClient, url, opts := deps.ServiceClientOptions("writer")
	wopts := seckill.DefaultWriterOptions()
	if deps.Config.FlashPaymentTimeout > 0 {
		wopts.PaymentTimeout = deps.Config.FlashPaymentTimeout
	}
	w := seckill.NewWriter(client, orderv1connect.NewOrderServiceClient(httpClient, url, opts...),
		seckillv1connect.NewSeckillServiceClient(httpClient, url, opts...), deps.Logger, wopts)
	return w, client.Close, nil
}
