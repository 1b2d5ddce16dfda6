package kafka

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/twmb/franz-go/pkg/kgo"
)

var consumerLag = promauto.NewGaugeVec(prometheus.GaugeOpts{
	Name: "mall_kafka_consumer_lag_records",
	Help: "Records behind the end of a partition, as of the last fetch of this process's consumer in group.",
}, []string{"group", "topic", "partition"})

// ObserveLag records, for each partition in fetches, how far the consumer
// of group is behind the partition's high watermark after these records.
// A consumer that stops fetching a partition (it moved to another member)
// leaves its last value: alert on the group's sum staying high, not on one
// series.
func ObserveLag(group string, fetches kgo.Fetches) {
	fetches.EachPartition(func(p kgo.FetchTopicPartition) {
		if len(p.Records) == 0 {
			return
		}
		last := p.Records[len(p.Records)-1].Offset
		consumerLag.WithLabelValues(group, p.Topic, strconv.Itoa(int(p.Partition))).Set(float64(p.HighWatermark - last - 1))
	})
}
