package seckill

// PurchasesTopic is the Kafka topic of accepted purchases (seckillv1.PurchaseRecord, keyed by user id).
const PurchasesTopic = "mall.seckill.purchases"

// WriterGroup is the consumer group of the batched order writers.
const WriterGroup = "mall-seckill-writers"
