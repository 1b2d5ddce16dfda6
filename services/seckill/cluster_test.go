package seckill

import (
	"testing"

	"mall/services/platform/testenv"
)

// TestTheSaleOnARedisCluster runs the tests of a sale's scripts again with
// Valkey a three-node Redis Cluster: admission, the undo when Kafka is
// down, releases and the outbox relay. A sale's keys share one hash tag, so
// each script runs on the node of its slot; a script across slots would be
// refused. (The end-to-end burst on a cluster, in services/app, covers the
// rest of the sale's path.)
func TestTheSaleOnARedisCluster(t *testing.T) {
	testenv.StartRedisCluster(t).ServeAsTestRedis(t)
	for _, test := range []struct {
		name string
		run  func(*testing.T)
	}{
		{"admission", TestPurchaseAdmitsExactlyTheStockOncePerBuyer},
		{"undo", TestKafkaDownUndoesTheAdmission},
		{"release", TestReleaseReturnsTheUnitsOnce},
		{"outbox", TestAnAdmissionWhoseProducerDiedIsRelayed},
	} {
		t.Run(test.name, test.run)
	}
}
