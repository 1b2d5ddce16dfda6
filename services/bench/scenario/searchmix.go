package scenario

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"

	searchv1 "mall/gen/mall/search/v1"
	"mall/services/product"
)

// The search traffic the benchmark sends: a fixed set of queries made of
// the bench catalog's words, as shoppers type them (Chinese, English,
// both, one or two words, some matching nothing), some with a category,
// a price range, in-stock-only or another order, drawn with the skewed
// frequency of real search traffic.

// Zipf parameters of the mix: the k-th query (from 0) is drawn in
// proportion to (zipfV + k)^-zipfS.
const (
	zipfS = 1.1
	zipfV = 10
)

// searchQuery is one query of the mix and what kind of query it is.
type searchQuery struct {
	req  *searchv1.SearchProductsRequest
	kind string // zh, en, mixed, two-word, nothing
}

// noMatchQueries name goods the catalog does not have.
var noMatchQueries = []string{"洗衣机", "冰箱", "laptop", "微波炉", "printer", "自行车", "guitar", "电视机", "sofa", "钻石项链"}

// searchMix makes n distinct queries from the catalog's vocabulary with a
// fixed seed, in the order of their frequency (most frequent first).
func searchMix(n int, seed uint64) []searchQuery {
	v := product.BenchWords()
	rng := rand.New(rand.NewPCG(seed, seed+1))
	pick := func(words []string) (string, int) {
		i := rng.IntN(len(words))
		return words[i], i
	}
	pair := func(words [][2]string) [2]string { return words[rng.IntN(len(words))] }
	goodsZh := func() (string, string, int) { w, i := pick(v.GoodsZh); return w, "zh", i / 5 }
	goodsEn := func() (string, string, int) { w, i := pick(v.GoodsEn); return strings.ToLower(w), "en", i / 5 }
	// The goods alone are drawn more often than any other kind.
	makers := []func() (string, string, int){
		goodsZh, goodsZh, goodsZh, goodsEn, goodsEn,
		func() (string, string, int) { w, i := pick(v.CategoriesZh); return w, "zh", i },
		func() (string, string, int) { return pair(v.Brands)[0], "zh", -1 },
		func() (string, string, int) { return pair(v.Brands)[1], "en", -1 },
		func() (string, string, int) {
			w, i := pick(v.GoodsZh)
			return pair(v.Brands)[0] + " " + w, "two-word", i / 5
		},
		func() (string, string, int) {
			w, i := pick(v.GoodsZh)
			return pair(v.Colours)[0] + " " + w, "two-word", i / 5
		},
		func() (string, string, int) {
			w, i := pick(v.GoodsEn)
			return strings.ToLower(pair(v.Colours)[1] + " " + w), "two-word", i / 5
		},
		func() (string, string, int) {
			w, i := pick(v.GoodsEn)
			return pair(v.Series)[1] + " " + w, "two-word", i / 5
		},
		func() (string, string, int) {
			w, i := pick(v.GoodsEn)
			return pair(v.Brands)[0] + " " + w, "mixed", i / 5
		},
		func() (string, string, int) {
			w, i := pick(v.GoodsZh)
			return w + " " + pair(v.Series)[1], "mixed", i / 5
		},
		func() (string, string, int) {
			w, i := pick(v.GoodsZh)
			return pair(v.Brands)[1] + " " + w, "mixed", i / 5
		},
	}
	seen := map[string]bool{}
	var mix []searchQuery
	for _, q := range noMatchQueries[:min(len(noMatchQueries), n/20)] {
		seen[q] = true
		mix = append(mix, searchQuery{req: &searchv1.SearchProductsRequest{Query: q}, kind: "nothing"})
	}
	for len(mix) < n {
		text, kind, category := makers[rng.IntN(len(makers))]()
		if seen[text] {
			continue
		}
		seen[text] = true
		mix = append(mix, searchQuery{req: withFilters(rng, &searchv1.SearchProductsRequest{Query: text}, v, category), kind: kind})
	}
	rng.Shuffle(len(mix), func(a, b int) { mix[a], mix[b] = mix[b], mix[a] })
	return mix
}

// withFilters gives a quarter of the queries their goods' category (or
// any), some a price range or in-stock-only, and some an order other than
// relevance.
func withFilters(rng *rand.Rand, req *searchv1.SearchProductsRequest, v product.BenchVocabulary, category int) *searchv1.SearchProductsRequest {
	if rng.IntN(4) == 0 {
		if category < 0 {
			category = rng.IntN(len(v.CategoryIDs))
		}
		req.CategoryId = v.CategoryIDs[category]
	}
	if rng.IntN(7) == 0 {
		lo := int64(rng.IntN(200)) * 100
		hi := lo + int64(50+rng.IntN(500))*100
		req.MinPriceCents, req.MaxPriceCents = &lo, &hi
	}
	req.InStockOnly = rng.IntN(10) == 0
	switch r := rng.IntN(100); {
	case r < 70:
	case r < 82:
		req.Sort = searchv1.SearchSort_SEARCH_SORT_SALES
	case r < 90:
		req.Sort = searchv1.SearchSort_SEARCH_SORT_PRICE_ASC
	case r < 95:
		req.Sort = searchv1.SearchSort_SEARCH_SORT_PRICE_DESC
	default:
		req.Sort = searchv1.SearchSort_SEARCH_SORT_NEWEST
	}
	return req
}

// zipfShares are the shares of all draws that the most frequent query and
// the ten most frequent take, among n.
func zipfShares(n int) (top, top10 float64) {
	var sum float64
	weights := make([]float64, n)
	for k := range n {
		weights[k] = math.Pow(zipfV+float64(k), -zipfS)
		sum += weights[k]
	}
	for k := range min(10, n) {
		top10 += weights[k]
	}
	return weights[0] / sum, top10 / sum
}

// mixShape describes the mix: its queries by kind and filters.
func mixShape(mix []searchQuery) string {
	kinds := map[string]int{}
	var category, price, inStock, sorted int
	for _, q := range mix {
		kinds[q.kind]++
		if q.req.GetCategoryId() != "" {
			category++
		}
		if q.req.MinPriceCents != nil {
			price++
		}
		if q.req.GetInStockOnly() {
			inStock++
		}
		if q.req.GetSort() != searchv1.SearchSort_SEARCH_SORT_UNSPECIFIED {
			sorted++
		}
	}
	var parts []string
	for _, k := range []string{"zh", "en", "mixed", "two-word", "nothing"} {
		parts = append(parts, fmt.Sprintf("%d %s", kinds[k], k))
	}
	top, top10 := zipfShares(len(mix))
	return fmt.Sprintf("the mix: %d queries (%s); %d with a category, %d a price range, %d in stock only, %d sorted other than by relevance; drawn Zipf (s=%.1f, v=%d): the most frequent %.1f%% of requests, the 10 most frequent %.0f%%",
		len(mix), strings.Join(parts, ", "), category, price, inStock, sorted, zipfS, zipfV, 100*top, 100*top10)
}

// totalsShape describes how many products the mix's queries match.
func totalsShape(totals []int64, fallbacks int) string {
	sorted := slices.Sorted(slices.Values(totals))
	at := func(p float64) int64 { return sorted[min(len(sorted)-1, int(p*float64(len(sorted))))] }
	return fmt.Sprintf("matches per query: median %d, 90th percentile %d, max %d; %d of %d match nothing (answered with a fallback)",
		at(0.5), at(0.9), sorted[len(sorted)-1], fallbacks, len(totals))
}
