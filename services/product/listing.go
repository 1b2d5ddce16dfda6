package product

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"math/rand/v2"
	"strconv"

	"connectrpc.com/connect"
	"github.com/valkey-io/valkey-go"

	productv1 "mall/gen/mall/product/v1"
	searchv1 "mall/gen/mall/search/v1"
	"mall/services/platform/rpcerr"
)

const defaultPageSize = 20

// listingSort is a ListProducts order.
type listingSort productv1.ProductSort

func (s listingSort) column() string {
	switch productv1.ProductSort(s) {
	case productv1.ProductSort_PRODUCT_SORT_PRICE_ASC, productv1.ProductSort_PRODUCT_SORT_PRICE_DESC:
		return "price_cents"
	case productv1.ProductSort_PRODUCT_SORT_SALES:
		return "sales_count"
	default:
		return "seq"
	}
}

func (s listingSort) descending() bool {
	return productv1.ProductSort(s) != productv1.ProductSort_PRODUCT_SORT_PRICE_ASC
}

func normalizeSort(sort productv1.ProductSort) listingSort {
	if sort == productv1.ProductSort_PRODUCT_SORT_UNSPECIFIED {
		return listingSort(productv1.ProductSort_PRODUCT_SORT_NEWEST)
	}
	return listingSort(sort)
}

func (s listingSort) keyOf(m listingMember) listingKey {
	switch s.column() {
	case "price_cents":
		return listingKey{Value: m.PriceCents, Seq: m.Seq}
	case "sales_count":
		return listingKey{Value: m.SalesCount, Seq: m.Seq}
	}
	return listingKey{Value: m.Seq, Seq: m.Seq}
}

// seqBits is how many low bits of a sorted-set score hold the seq tie-breaker:
// score = value<<seqBits | seq is exact in a float64 while value < 2^32
// and seq < 2^21. Larger catalogs are served from SQL.
const seqBits = 21

func (k listingKey) score() (float64, bool) {
	if k.Seq < 0 || k.Seq >= 1<<seqBits || k.Value < 0 || k.Value >= 1<<32 {
		return 0, false
	}
	return float64(k.Value<<seqBits | k.Seq), true
}

func keyFromScore(score float64) listingKey {
	n := int64(score)
	return listingKey{Value: n >> seqBits, Seq: n & (1<<seqBits - 1)}
}

// pageToken is the opaque cursor of ListProducts: it is bound to the
// request's category and sort, so it cannot be replayed against another.
type pageToken struct {
	Category string     `json:"c"`
	Sort     int32      `json:"s"`
	After    listingKey `json:"a"`
}

func encodeToken(t pageToken) string {
	data, _ := json.Marshal(t)
	return base64.RawURLEncoding.EncodeToString(data)
}

func decodeToken(raw, category string, sort listingSort) (*listingKey, error) {
	if raw == "" {
		return nil, nil
	}
	data, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil {
		return nil, errBadPageToken()
	}
	var t pageToken
	if json.Unmarshal(data, &t) != nil || t.Category != category || t.Sort != int32(sort) {
		return nil, errBadPageToken()
	}
	return &t.After, nil
}

// ListProducts returns one page of on-sale products.
func (s *Service) ListProducts(ctx context.Context, request *connect.Request[productv1.ListProductsRequest]) (*connect.Response[productv1.ListProductsResponse], error) {
	req := request.Msg
	sort := normalizeSort(req.GetSort())
	after, err := decodeToken(req.GetPageToken(), req.GetCategoryId(), sort)
	if err != nil {
		return nil, err
	}
	var categories []string
	if req.GetCategoryId() != "" {
		if categories, err = s.categoryWithDescendants(ctx, req.GetCategoryId()); err != nil {
			return nil, err
		}
	}
	size := int(req.GetPageSize())
	if size == 0 {
		size = defaultPageSize
	}
	var products []*productv1.Product
	var keys []listingKey
	if s.cacheEnabled.Load() {
		products, keys, err = s.listFromSortedSet(ctx, req.GetCategoryId(), categories, sort, after, size+1)
	} else {
		products, keys, err = s.listFromSQL(ctx, categories, sort, after, size+1)
	}
	if err != nil {
		return nil, err
	}
	res := &productv1.ListProductsResponse{Products: products}
	if len(products) > size {
		res.Products = products[:size]
		res.NextPageToken = encodeToken(pageToken{Category: req.GetCategoryId(), Sort: int32(sort), After: keys[size-1]})
	}
	return connect.NewResponse(res), nil
}

func (s *Service) listFromSQL(ctx context.Context, categories []string, sort listingSort, after *listingKey, limit int) ([]*productv1.Product, []listingKey, error) {
	rows, err := selectListing(ctx, s.db, categories, sort, after, limit)
	if err != nil {
		return nil, nil, err
	}
	products := make([]*productv1.Product, len(rows))
	keys := make([]listingKey, len(rows))
	for i := range rows {
		products[i] = rows[i].proto()
		keys[i] = sort.keyOf(listingMember{Seq: rows[i].Seq, PriceCents: rows[i].PriceCents, SalesCount: rows[i].SalesCount})
	}
	return products, keys, nil
}

// listingSentinel marks a built listing that may be empty.
const listingSentinel = "\x00"

// listFromSortedSet pages through a sorted set of the listing's product ids
// (built from MySQL on first use, keyed by the listing generation so any
// catalog change starts fresh ones) and hydrates the page in one batch.
func (s *Service) listFromSortedSet(ctx context.Context, category string, categories []string, sort listingSort, after *listingKey, limit int) ([]*productv1.Product, []listingKey, error) {
	generation, err := s.listingGeneration(ctx)
	if err != nil {
		return nil, nil, err
	}
	key := s.key("list", "g"+generation, category, strconv.Itoa(int(sort)))
	if err := s.ensureListing(ctx, key, categories, sort); err != nil {
		if err == errListingTooLarge {
			return s.listFromSQL(ctx, categories, sort, after, limit)
		}
		return nil, nil, err
	}
	start, stop := "-inf", "+inf"
	if after != nil {
		score, ok := after.score()
		if !ok {
			return nil, nil, errBadPageToken()
		}
		start = "(" + strconv.FormatFloat(score, 'f', -1, 64)
	}
	var cmd valkey.Completed
	if sort.descending() {
		if after == nil {
			start = "+inf"
		}
		cmd = s.valkey.B().Zrange().Key(key).Min(start).Max("-inf").Byscore().Rev().Limit(0, int64(limit+1)).Withscores().Build()
	} else {
		cmd = s.valkey.B().Zrange().Key(key).Min(start).Max(stop).Byscore().Limit(0, int64(limit+1)).Withscores().Build()
	}
	entries, err := s.valkey.Do(ctx, cmd).AsZScores()
	if err != nil {
		return nil, nil, err
	}
	ids := make([]string, 0, len(entries))
	keys := make([]listingKey, 0, len(entries))
	for _, e := range entries {
		if e.Member == listingSentinel {
			continue
		}
		ids = append(ids, e.Member)
		keys = append(keys, keyFromScore(e.Score))
	}
	if len(ids) > limit {
		ids, keys = ids[:limit], keys[:limit]
	}
	byID, err := s.productsByID(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	products := make([]*productv1.Product, 0, len(ids))
	kept := make([]listingKey, 0, len(ids))
	for i, id := range ids {
		// A product taken off shelf since the set was built is skipped.
		if p, ok := byID[id]; ok && p.GetStatus() == productv1.ProductStatus_PRODUCT_STATUS_ON_SALE {
			products = append(products, p)
			kept = append(kept, keys[i])
		}
	}
	return products, kept, nil
}

type listingError string

func (e listingError) Error() string { return string(e) }

const errListingTooLarge = listingError("listing too large for a sorted set")

func (s *Service) ensureListing(ctx context.Context, key string, categories []string, sort listingSort) error {
	exists, err := s.valkey.Do(ctx, s.valkey.B().Exists().Key(key).Build()).AsInt64()
	if err != nil || exists == 1 {
		return err
	}
	_, err, _ = s.builds.Do(key, func() (any, error) {
		members, err := selectListingMembers(context.WithoutCancel(ctx), s.db, categories)
		if err != nil {
			return nil, err
		}
		zadd := s.valkey.B().Zadd().Key(key).ScoreMember().ScoreMember(-1, listingSentinel)
		for _, m := range members {
			score, ok := sort.keyOf(m).score()
			if !ok {
				return nil, errListingTooLarge
			}
			zadd = zadd.ScoreMember(score, m.ID)
		}
		ttl := s.opts.ListingTTL + rand.N(s.opts.ListingTTL/5+1)
		results := s.valkey.DoMulti(context.WithoutCancel(ctx), zadd.Build(), s.valkey.B().Pexpire().Key(key).Milliseconds(ttl.Milliseconds()).Build())
		for _, r := range results {
			if err := r.Error(); err != nil {
				return nil, err
			}
		}
		return nil, nil
	})
	return err
}

// listingGeneration names the current set of listing sorted sets. It is a
// hot key, read through the client-side cache; a catalog change bumps it.
func (s *Service) listingGeneration(ctx context.Context) (string, error) {
	generation, err := s.valkey.DoCache(ctx, s.valkey.B().Get().Key(s.key("listgen")).Cache(), s.opts.LocalTTL).ToString()
	if valkey.IsValkeyNil(err) {
		return "0", nil
	}
	return generation, err
}

// bumpListings makes every listing rebuild from MySQL on its next read.
func (s *Service) bumpListings(ctx context.Context) {
	if err := s.valkey.Do(context.WithoutCancel(ctx), s.valkey.B().Incr().Key(s.key("listgen")).Build()).Error(); err != nil {
		s.logger.Warn("listing generation bump failed", "err", err)
	}
}

// SearchProducts answers the deprecated catalog search from the search
// service (which it predates): the same products, found the same way, with
// their descriptions left out; the search service's page token.
func (s *Service) SearchProducts(ctx context.Context, request *connect.Request[productv1.SearchProductsRequest]) (*connect.Response[productv1.SearchProductsResponse], error) {
	if s.searcher == nil {
		return nil, errSearchUnavailable()
	}
	req := request.Msg
	res, err := s.searcher.SearchProducts(ctx, connect.NewRequest(&searchv1.SearchProductsRequest{
		Query: req.GetKeyword(), CategoryId: req.GetCategoryId(), PageSize: req.GetPageSize(), PageToken: req.GetPageToken(),
		Sort: searchv1.SearchSort(req.GetSort()), // the same numbers
	}))
	if err != nil {
		if connect.CodeOf(err) == connect.CodeInvalidArgument { // the caller's query or token
			return nil, rpcerr.New(connect.CodeInvalidArgument, rpcerr.Reason(err), "the keyword or page token cannot be searched")
		}
		reason, message := errSearchUnavailableReason()
		return nil, rpcerr.Upstream(ctx, s.logger, "SearchService.SearchProducts", err, reason, message)
	}
	out := &productv1.SearchProductsResponse{Total: res.Msg.GetTotal(), NextPageToken: res.Msg.GetNextPageToken()}
	for _, h := range res.Msg.GetHits() {
		out.Products = append(out.Products, h.GetProduct())
	}
	return connect.NewResponse(out), nil
}
