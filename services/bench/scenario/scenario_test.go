package scenario

import (
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	productv1 "mall/gen/mall/product/v1"
	storefrontv1 "mall/gen/mall/storefront/v1"
	"mall/services/platform/config"
)

func TestShallowCodecReadsDegradedPartsAndRejectsBrokenFraming(t *testing.T) {
	full := &storefrontv1.GetHomeResponse{
		Banners:       []*productv1.Banner{{BannerId: "b1", Title: "标题 title"}},
		Ranking:       []*productv1.RankingEntry{{Rank: 1, Product: &productv1.Product{ProductId: "p1"}}},
		DegradedParts: []storefrontv1.HomePart{storefrontv1.HomePart_HOME_PART_FLASH_SALES, storefrontv1.HomePart_HOME_PART_CATEGORIES},
	}
	data, err := proto.Marshal(full)
	if err != nil {
		t.Fatal(err)
	}
	var got storefrontv1.GetHomeResponse
	if err := (shallowCodec{}).Unmarshal(data, &got); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.GetDegradedParts(), full.GetDegradedParts()) || len(got.GetBanners()) != 0 {
		t.Fatalf("decoded %v", &got)
	}
	// Unpacked encoding of the same field is read too.
	unpacked := []byte{6<<3 | byte(protowire.VarintType), 2, 6<<3 | byte(protowire.VarintType), 4}
	got.Reset()
	if err := (shallowCodec{}).Unmarshal(unpacked, &got); err != nil || len(got.GetDegradedParts()) != 2 {
		t.Fatalf("unpacked: %v %v", &got, err)
	}
	// Other messages: framing only.
	var product productv1.GetProductResponse
	if err := (shallowCodec{}).Unmarshal(data, &product); err != nil {
		t.Fatal(err)
	}
	if err := (shallowCodec{}).Unmarshal(data[:len(data)-3], &got); err == nil {
		t.Fatal("a truncated answer was accepted")
	}
}

// A benchmark seeds development data (the demo admin among it): it must
// never do so into the databases or keys of the deployment it is run
// beside, whatever prefixes that deployment uses.
func TestBenchmarksUseDatabasesAndKeysOfTheirOwn(t *testing.T) {
	var deployment config.Config
	deployment.DBPrefix, deployment.CachePrefix = "mall_", "mall:"
	bench := benchConfig(deployment)
	if !bench.Dev || bench.DBPrefix == deployment.DBPrefix || bench.CachePrefix == deployment.CachePrefix ||
		!strings.HasPrefix(bench.DBPrefix, deployment.DBPrefix) || !strings.HasPrefix(bench.CachePrefix, deployment.CachePrefix) {
		t.Fatalf("bench prefixes %q %q next to the deployment's %q %q", bench.DBPrefix, bench.CachePrefix, deployment.DBPrefix, deployment.CachePrefix)
	}
}
