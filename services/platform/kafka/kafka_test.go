package kafka

import (
	"context"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

func TestProducedRecordIsConsumedByAGroup(t *testing.T) {
	cluster, err := Connect(nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer cluster.Close()
	if !cluster.Embedded() || len(cluster.Brokers) == 0 {
		t.Fatalf("no embedded broker: %+v", cluster)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	producer, err := cluster.NewClient(kgo.DefaultProduceTopic("platform-test"))
	if err != nil {
		t.Fatal(err)
	}
	defer producer.Close()
	if err := producer.ProduceSync(ctx, &kgo.Record{Key: []byte("k"), Value: []byte("hello")}).FirstErr(); err != nil {
		t.Fatal(err)
	}

	consumer, err := cluster.NewClient(
		kgo.ConsumeTopics("platform-test"),
		kgo.ConsumerGroup("platform-test-group"),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.DisableAutoCommit(),
	)
	if err != nil {
		t.Fatal(err)
	}
	defer consumer.Close()
	for {
		fetches := consumer.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatal("no record consumed before the deadline")
		}
		if errs := fetches.Errors(); len(errs) > 0 {
			t.Fatal(errs)
		}
		records := fetches.Records()
		if len(records) == 0 {
			continue
		}
		if string(records[0].Value) != "hello" || string(records[0].Key) != "k" {
			t.Fatalf("consumed %q=%q", records[0].Key, records[0].Value)
		}
		if err := consumer.CommitRecords(ctx, records...); err != nil {
			t.Fatalf("commit: %v", err)
		}
		return
	}
}
