// Package kafka gives every process a franz-go client. With no brokers
// configured it starts an embedded kfake broker, so `mall dev` and the tests
// need no Kafka installation; with brokers it talks to a real cluster.
package kafka

import (
	"fmt"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/plugin/kotel"
)

// Cluster is where records go: a real cluster or an embedded broker.
type Cluster struct {
	Brokers  []string
	embedded *kfake.Cluster
}

// Connect uses brokers when given; otherwise it starts an embedded broker on
// port (0: any free port) that other processes can reach on 127.0.0.1.
func Connect(brokers []string, port int) (*Cluster, error) {
	if len(brokers) > 0 {
		return &Cluster{Brokers: brokers}, nil
	}
	opts := []kfake.Opt{kfake.NumBrokers(1), kfake.AllowAutoTopicCreation(), kfake.DefaultNumPartitions(8)}
	if port > 0 {
		opts = append(opts, kfake.Ports(port))
	}
	embedded, err := kfake.NewCluster(opts...)
	if err != nil {
		return nil, fmt.Errorf("start embedded kafka: %w", err)
	}
	return &Cluster{Brokers: embedded.ListenAddrs(), embedded: embedded}, nil
}

// Embedded reports whether the broker lives in this process.
func (c *Cluster) Embedded() bool { return c.embedded != nil }

// NewClient returns a franz-go client seeded with the cluster's brokers.
func (c *Cluster) NewClient(opts ...kgo.Opt) (*kgo.Client, error) {
	// kotel carries the producer's trace context in each record's headers
	// and starts the consumer's spans from it, so a record's consumer
	// (say, the flash-sale writer batch that stores it) joins its trace.
	tracing := kotel.NewKotel(kotel.WithTracer(kotel.NewTracer()))
	return kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(c.Brokers...), kgo.AllowAutoTopicCreation(),
		kgo.WithHooks(tracing.Hooks()...)}, opts...)...)
}

// Close stops an embedded broker; a real cluster is left alone.
func (c *Cluster) Close() {
	if c.embedded != nil {
		c.embedded.Close()
	}
}
