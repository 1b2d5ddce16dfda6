package search

import (
	"testing"

	"mall/services/platform/testenv"
)

// TestHotSearchesOnARedisCluster counts and reads hot searches again with
// Valkey a three-node Redis Cluster: a week's sets and its shoppers' sets
// share one hash tag, so the counting script runs on one node.
func TestHotSearchesOnARedisCluster(t *testing.T) {
	testenv.StartRedisCluster(t).ServeAsTestRedis(t)
	t.Run("shoppers not requests", TestHotSearchesCountShoppersNotRequests)
	t.Run("others cannot push them out", TestSearchesNobodyElseMadeCannotPushTheHotOnesOut)
}
