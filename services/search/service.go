// Package search is the shop's product search: an index every serving
// process keeps of the catalog (Indexer over an Engine, fed by the product
// service's change topic), relevance and filters, suggestions as the
// shopper types and hot searches counted in Valkey. Service implements
// SearchService.
package search

import (
	"context"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"connectrpc.com/connect"
	"github.com/valkey-io/valkey-go"

	searchv1 "mall/gen/mall/search/v1"
	"mall/gen/mall/search/v1/searchv1connect"
	"mall/services/platform/auth"
	"mall/services/platform/clientaddr"
)

const defaultPageSize = 20

// Options tune the search service.
type Options struct {
	KeyPrefix string // prefix of every Valkey key
	// Clients tells a shopper's address from the connection and trusted
	// proxies' headers (hot searches count each shopper once).
	Clients clientaddr.Resolver
	// CachedResults bounds the answers kept in memory (a page of 50 hits
	// is about 30 KB).
	CachedResults int
	// HotListFor is how long the hot searches read from Valkey are reused.
	HotListFor time.Duration
}

// DefaultOptions are the production settings.
func DefaultOptions() Options {
	return Options{KeyPrefix: "mall:", CachedResults: 2_000, HotListFor: 10 * time.Second}
}

// Service answers SearchService from an Indexer.
type Service struct {
	indexer *Indexer
	hot     *hotSearches
	cache   *resultCache
	clients clientaddr.Resolver
	logger  *slog.Logger
}

var _ searchv1connect.SearchServiceHandler = (*Service)(nil)

// NewService returns the search service over indexer; call Close to flush
// the hot-search counts.
func NewService(indexer *Indexer, client valkey.Client, logger *slog.Logger, opts Options) *Service {
	return &Service{
		indexer: indexer,
		hot:     newHotSearches(client, opts.KeyPrefix+"search:", opts.HotListFor, logger),
		cache:   newResultCache(opts.CachedResults),
		clients: opts.Clients,
		logger:  logger,
	}
}

// Run counts searches into the hot searches until ctx ends.
func (s *Service) Run(ctx context.Context) error { return s.hot.run(ctx) }

// SearchProducts implements SearchService.
func (s *Service) SearchProducts(ctx context.Context, request *connect.Request[searchv1.SearchProductsRequest]) (*connect.Response[searchv1.SearchProductsResponse], error) {
	if !s.indexer.IsReady() {
		return nil, errIndexWarming()
	}
	req := request.Msg
	q, err := queryOf(req)
	if err != nil {
		return nil, err
	}
	after, err := decodePageToken(req.GetPageToken(), q)
	if err != nil {
		return nil, err
	}
	q.After = after
	key := string(fingerprintBytes(q)) + "|" + req.GetPageToken() + "|" + strconv.Itoa(q.Size)
	generation := s.indexer.Generation()
	res, ok := s.cache.get(key, generation)
	if !ok {
		if res, err = s.search(q); err != nil {
			return nil, err
		}
		s.cache.put(key, generation, res)
	}
	if req.GetPageToken() == "" && res.GetTotal() > 0 && !slices.ContainsFunc(q.Words, func(w string) bool { return !searchedWhole(w) }) {
		// The words searched by, not what was typed, and only words the
		// search used whole: a word too short to search by, a stop word or
		// an emoji would let anything ride along into the hot list.
		s.hot.record(strings.Join(q.Words, " "), s.searcher(ctx, request))
	}
	return connect.NewResponse(res), nil
}

func fingerprintBytes(q Query) []byte {
	fp := fingerprint(q)
	return fp[:]
}

// queryOf is the engine's query for a request, or QUERY_TOO_SHORT.
func queryOf(req *searchv1.SearchProductsRequest) (Query, error) {
	words := usableWords(req.GetQuery())
	if len(words) == 0 {
		return Query{}, errQueryTooShort()
	}
	q := Query{
		Words:       words,
		Category:    req.GetCategoryId(),
		InStockOnly: req.GetInStockOnly(),
		Order:       orderOf(req.GetSort()),
		Size:        int(req.GetPageSize()),
	}
	q.MinPrice, q.MaxPrice = req.MinPriceCents, req.MaxPriceCents
	if q.Size == 0 {
		q.Size = defaultPageSize
	}
	return q, nil
}

func orderOf(sort searchv1.SearchSort) Order {
	switch sort {
	case searchv1.SearchSort_SEARCH_SORT_SALES:
		return OrderSales
	case searchv1.SearchSort_SEARCH_SORT_PRICE_ASC:
		return OrderPriceAsc
	case searchv1.SearchSort_SEARCH_SORT_PRICE_DESC:
		return OrderPriceDesc
	case searchv1.SearchSort_SEARCH_SORT_NEWEST:
		return OrderNewest
	default:
		return OrderRelevance
	}
}

// search runs q and, on a first page that found nothing, the fallback.
func (s *Service) search(q Query) (*searchv1.SearchProductsResponse, error) {
	page := q
	page.Size = q.Size + 1 // one more tells whether a next page exists
	found, err := s.indexer.engine.Find(page)
	if err == errNothingToSearch {
		return nil, errQueryTooShort()
	}
	if err != nil {
		return nil, err
	}
	res := &searchv1.SearchProductsResponse{Total: found.Total}
	hits := found.Hits
	if len(hits) > q.Size {
		hits = hits[:q.Size]
		res.NextPageToken = encodePageToken(q, hits[len(hits)-1].SortKey)
	}
	res.Hits = s.hitsOf(hits)
	if found.Total == 0 && q.After == nil {
		res.Fallback, res.FallbackHits, err = s.fallback(q)
	}
	return res, err
}

// fallback offers the products matching most of a many-word query's words,
// else the most sold ones (within the same filters).
func (s *Service) fallback(q Query) (searchv1.SearchFallback, []*searchv1.SearchHit, error) {
	if len(q.Words) > 1 {
		some := q
		some.AnyWord = true
		found, err := s.indexer.engine.Find(some)
		if err != nil {
			return 0, nil, err
		}
		if len(found.Hits) > 0 {
			return searchv1.SearchFallback_SEARCH_FALLBACK_SOME_WORDS, s.hitsOf(found.Hits), nil
		}
	}
	hits, err := s.popular(q)
	if err != nil || len(hits) == 0 {
		return 0, nil, err
	}
	return searchv1.SearchFallback_SEARCH_FALLBACK_POPULAR, hits, nil
}

// popular is the most sold products within q's filters, kept with the
// answers: every query that finds nothing under the same filters shares
// it, and sorting the whole catalog by sales is the dearest search there is.
func (s *Service) popular(q Query) ([]*searchv1.SearchHit, error) {
	popular := Query{Category: q.Category, MinPrice: q.MinPrice, MaxPrice: q.MaxPrice, InStockOnly: q.InStockOnly, Order: OrderSales, Size: q.Size}
	key := "popular|" + string(fingerprintBytes(popular)) + "|" + strconv.Itoa(popular.Size)
	generation := s.indexer.Generation()
	if kept, ok := s.cache.get(key, generation); ok {
		return kept.GetFallbackHits(), nil
	}
	found, err := s.indexer.engine.Find(popular)
	if err != nil {
		return nil, err
	}
	hits := s.hitsOf(found.Hits)
	s.cache.put(key, generation, &searchv1.SearchProductsResponse{FallbackHits: hits})
	return hits, nil
}

// hitsOf turns engine hits into answers, skipping a product that left the
// index between the search and now.
func (s *Service) hitsOf(found []FoundHit) []*searchv1.SearchHit {
	hits := make([]*searchv1.SearchHit, 0, len(found))
	for _, f := range found {
		card, ok := s.indexer.card(f.ID)
		if !ok {
			continue
		}
		hits = append(hits, &searchv1.SearchHit{Product: card, TitleSpans: spans(card.GetTitle(), f.TitleMatches)})
	}
	return hits
}

// spans cuts text at the matched byte ranges.
func spans(text string, matches [][2]int) []*searchv1.TextSpan {
	var out []*searchv1.TextSpan
	at := 0
	for _, m := range matches {
		start, end := m[0], min(m[1], len(text))
		if start < at || start >= end || !utf8.RuneStart(text[start]) || (end < len(text) && !utf8.RuneStart(text[end])) {
			continue // not a range of this text (it changed meanwhile)
		}
		if start > at {
			out = append(out, &searchv1.TextSpan{Text: text[at:start]})
		}
		out = append(out, &searchv1.TextSpan{Text: text[start:end], Matched: true})
		at = end
	}
	if at < len(text) {
		out = append(out, &searchv1.TextSpan{Text: text[at:]})
	}
	return out
}

// searcher names who searched, for counting each shopper once: the
// signed-in user, else the client's address.
func (s *Service) searcher(ctx context.Context, request connect.AnyRequest) string {
	if identity, ok := auth.FromContext(ctx); ok && identity.Subject != "" {
		return "u:" + identity.Subject
	}
	return "a:" + s.clients.KeyOf(request.Peer().Addr, request.Header())
}

// GetHotSearches implements SearchService.
func (s *Service) GetHotSearches(ctx context.Context, request *connect.Request[searchv1.GetHotSearchesRequest]) (*connect.Response[searchv1.GetHotSearchesResponse], error) {
	limit := int(request.Msg.GetLimit())
	if limit == 0 {
		limit = 10
	}
	queries, err := s.hot.top(ctx)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&searchv1.GetHotSearchesResponse{Queries: queries[:min(limit, len(queries))]}), nil
}
