package search

import (
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"sync"
	stdunicode "unicode"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/analysis"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/lang/cjk"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/tokenizer/unicode"
	"github.com/blevesearch/bleve/v2/mapping"
	blevesearch "github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/query"
)

// textAnalyzer cuts Chinese into overlapping character pairs and other
// languages into words, folding full-width forms and case and reducing
// English words to their stem ("teas" finds "tea").
const textAnalyzer = "mall_text"

// Field boosts: a word in the title counts most, then the subtitle, then
// the description; the query's words side by side in the title count more
// than the same words scattered.
const (
	titleBoost       = 3
	subtitleBoost    = 1.5
	descriptionBoost = 1
	phraseBoost      = 5
)

// errNothingToSearch: every word of the query was dropped by the analyzer
// (English stop words only, say).
var errNothingToSearch = errors.New("no searchable word in the query")

// BleveEngine is an Engine on an embedded bleve index on disk.
type BleveEngine struct {
	index    bleve.Index
	analyzer analysis.Analyzer
}

var _ Engine = (*BleveEngine)(nil)

// NewBleveEngine creates an empty index in dir (which must not exist yet).
// The index lives on disk, not in memory: a catalog of 100 000 products
// takes about 80 MB on disk.
func NewBleveEngine(dir string) (*BleveEngine, error) {
	m, err := indexMapping()
	if err != nil {
		return nil, err
	}
	index, err := bleve.New(dir, m)
	if err != nil {
		return nil, fmt.Errorf("create search index in %s: %w", dir, err)
	}
	analyzer := m.AnalyzerNamed(textAnalyzer)
	if analyzer == nil {
		_ = index.Close()
		return nil, errors.New("search analyzer missing from the mapping")
	}
	return &BleveEngine{index: index, analyzer: analyzer}, nil
}

func indexMapping() (*mapping.IndexMappingImpl, error) {
	m := bleve.NewIndexMapping()
	err := m.AddCustomAnalyzer(textAnalyzer, map[string]any{
		"type":      custom.Name,
		"tokenizer": unicode.Name,
		"token_filters": []string{
			cjk.WidthName, lowercase.Name, en.PossessiveName, en.StopName, en.SnowballStemmerName, cjk.BigramName,
		},
	})
	if err != nil {
		return nil, err
	}
	text := func(termVectors bool) *mapping.FieldMapping {
		f := bleve.NewTextFieldMapping()
		f.Analyzer = textAnalyzer
		f.Store = false
		f.IncludeInAll = false
		f.IncludeTermVectors = termVectors
		f.DocValues = false
		return f
	}
	keyword := func() *mapping.FieldMapping {
		f := bleve.NewKeywordFieldMapping()
		f.Store = false
		f.IncludeInAll = false
		f.IncludeTermVectors = false
		return f
	}
	doc := bleve.NewDocumentStaticMapping()
	doc.AddFieldMappingsAt("title", text(true))
	doc.AddFieldMappingsAt("subtitle", text(false))
	doc.AddFieldMappingsAt("description", text(false))
	doc.AddFieldMappingsAt("categories", keyword())
	price := bleve.NewNumericFieldMapping()
	price.Store = false
	price.IncludeInAll = false
	doc.AddFieldMappingsAt("price", price)
	inStock := bleve.NewBooleanFieldMapping()
	inStock.Store = false
	inStock.IncludeInAll = false
	doc.AddFieldMappingsAt("in_stock", inStock)
	// Sort keys are text (sortKey): sorting by text is several times
	// faster in bleve than by its numeric encoding.
	for _, f := range []string{salesKey, priceUpKey, priceDownKey, createdKey} {
		doc.AddFieldMappingsAt(f, keyword())
	}
	m.DefaultMapping = doc
	m.DefaultAnalyzer = textAnalyzer
	m.StoreDynamic = false
	m.IndexDynamic = false
	m.DocValuesDynamic = false
	return m, nil
}

// Put implements Engine.
func (e *BleveEngine) Put(docs []Document, removed []string) error {
	batch := e.index.NewBatch()
	for i := range docs {
		d := &docs[i]
		fields := map[string]any{
			"title":       d.Title,
			"subtitle":    d.Subtitle,
			"description": d.Description,
			"categories":  d.Categories,
			"price":       float64(d.PriceCents),
			"in_stock":    d.InStock,
			salesKey:      sortKey(d.Sales) + d.ID,
			priceUpKey:    sortKey(d.PriceCents) + sortKey(math.MaxInt64-max(d.Sales, 0)) + d.ID,
			priceDownKey:  sortKey(d.PriceCents) + sortKey(d.Sales) + d.ID,
			createdKey:    sortKey(d.Created.UnixMicro()) + d.ID,
		}
		if err := batch.Index(d.ID, fields); err != nil {
			return err
		}
	}
	for _, id := range removed {
		batch.Delete(id)
	}
	return e.index.Batch(batch)
}

// Each order's sort key holds all of its tie-breaks and ends with the
// product id, so that bleve orders a hit by one value and never looks its
// id up to break a tie (the id lookup alone cost a tenth of a search).
const (
	salesKey     = "sales_key"      // sales, id: descending
	priceUpKey   = "price_up_key"   // price, then sales descending, id: ascending
	priceDownKey = "price_down_key" // price, sales, id: descending
	createdKey   = "created_key"    // creation time, id: descending
)

// sortKey writes n so that text order is numeric order (n ≥ 0): its
// number of hex digits, then the digits. Short keys matter: bleve reads
// them in blocks of 1 024 documents.
func sortKey(n int64) string {
	digits := strconv.FormatUint(uint64(max(n, 0)), 16)
	return string(rune('0'+len(digits))) + digits
}

// salesKeyID is the product id at the end of a sales key ("" when the key
// is not one).
func salesKeyID(key string) string {
	if key == "" || int(key[0]-'0') >= len(key) {
		return ""
	}
	return key[1+int(key[0]-'0'):]
}

// Close implements Engine.
func (e *BleveEngine) Close() error { return e.index.Close() }

// Find implements Engine.
func (e *BleveEngine) Find(q Query) (Found, error) {
	match, err := e.matchQuery(q)
	if err != nil {
		return Found{}, err
	}
	must := append([]query.Query{match}, filterQueries(q)...)
	req := bleve.NewSearchRequestOptions(query.NewBooleanQuery(must, nil, nil), max(q.Size, 1), 0, false)
	req.IncludeLocations = true
	if q.Order == OrderRelevance {
		return e.findByRelevance(req, q)
	}
	req.SortBy(sortFields(q.Order))
	if len(q.After) > 0 {
		req.SearchAfter = q.After
	}
	res, err := e.index.Search(req)
	if err != nil {
		return Found{}, err
	}
	found := Found{Total: int64(res.Total), Hits: make([]FoundHit, 0, len(res.Hits))}
	for _, h := range res.Hits {
		found.Hits = append(found.Hits, FoundHit{ID: h.ID, SortKey: slices.Clone(h.Sort), TitleMatches: titleMatches(h.Locations)})
	}
	return found, nil
}

// findByRelevance orders by score, then sales, then id, as bleve does when
// sorting by those fields, but reads a hit's sales only when its score can
// still place it on the page: bleve reads every sort value of every hit,
// which was half of a search's time at 100 000 products.
func (e *BleveEngine) findByRelevance(req *bleve.SearchRequest, q Query) (Found, error) {
	req.SortBy([]string{"-_score"})
	page := &rankedPage{size: max(q.Size, 1)}
	if len(q.After) == 2 {
		score, err := strconv.ParseFloat(q.After[0], 64)
		if err != nil {
			return Found{}, fmt.Errorf("search after %q: %w", q.After, err)
		}
		page.after = &rankedHit{score: score, key: q.After[1]}
	}
	ctx := context.WithValue(context.Background(), blevesearch.MakeDocumentMatchHandlerKey,
		blevesearch.MakeDocumentMatchHandler(page.collect))
	res, err := e.index.SearchInContext(ctx, req)
	if err != nil {
		return Found{}, err
	}
	found := Found{Total: int64(res.Total), Hits: make([]FoundHit, 0, len(page.hits))}
	for _, h := range page.hits {
		h.match.Complete(nil)
		found.Hits = append(found.Hits, FoundHit{
			ID:           salesKeyID(h.key),
			SortKey:      []string{strconv.FormatFloat(h.score, 'g', -1, 64), h.key},
			TitleMatches: titleMatches(h.match.Locations),
		})
	}
	return found, nil
}

// collect is bleve's handler of every hit of one search.
func (p *rankedPage) collect(sctx *blevesearch.SearchContext) (blevesearch.DocumentMatchHandler, bool, error) {
	sales, err := sctx.IndexReader.DocValueReader([]string{salesKey})
	if err != nil {
		return nil, false, err
	}
	var key string
	visit := func(_ string, term []byte) { key = string(term) }
	return func(d *blevesearch.DocumentMatch) error {
		if d == nil {
			return nil
		}
		if !p.mayHold(d.Score) {
			sctx.DocumentMatchPool.Put(d)
			return nil
		}
		key = ""
		if err := sales.VisitDocValues(d.IndexInternalID, visit); err != nil {
			return err
		}
		if salesKeyID(key) == "" {
			return fmt.Errorf("search index: a hit without its %s", salesKey)
		}
		if dropped := p.add(rankedHit{score: d.Score, key: key, match: d}); dropped != nil {
			sctx.DocumentMatchPool.Put(dropped)
		}
		return nil
	}, false, nil
}

// rankedHit is a hit in relevance order: its score and its sales key.
type rankedHit struct {
	score float64
	key   string
	match *blevesearch.DocumentMatch
}

// before reports whether a ranks before b.
func (a rankedHit) before(b rankedHit) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	return a.key > b.key
}

// rankedPage keeps the best size hits after a cursor.
type rankedPage struct {
	size  int
	after *rankedHit // the previous page's last hit
	hits  []rankedHit
}

// mayHold reports whether a hit of this score can be on the page, which
// its score alone often rules out.
func (p *rankedPage) mayHold(score float64) bool {
	if p.after != nil && score > p.after.score {
		return false // on an earlier page
	}
	return len(p.hits) < p.size || score >= p.hits[len(p.hits)-1].score
}

// add places h on the page and returns the match that is not on it (h's
// own, the one h pushed off, or nil).
func (p *rankedPage) add(h rankedHit) *blevesearch.DocumentMatch {
	if p.after != nil && !p.after.before(h) {
		return h.match
	}
	at, _ := slices.BinarySearchFunc(p.hits, h, func(e, target rankedHit) int {
		if e.before(target) {
			return -1
		}
		return 1 // keys are unique: no two hits tie
	})
	if at >= p.size {
		return h.match
	}
	var dropped *blevesearch.DocumentMatch
	if len(p.hits) == p.size {
		dropped = p.hits[p.size-1].match
		p.hits = p.hits[:p.size-1]
	}
	p.hits = slices.Insert(p.hits, at, h)
	return dropped
}

// titleMatches are the byte ranges of the title a hit's terms matched.
func titleMatches(locations blevesearch.FieldTermLocationMap) [][2]int {
	var ranges [][2]int
	for _, locs := range locations["title"] {
		for _, l := range locs {
			ranges = append(ranges, [2]int{int(l.Start), int(l.End)})
		}
	}
	return mergeRanges(ranges)
}

func sortFields(o Order) []string {
	switch o {
	case OrderSales:
		return []string{"-" + salesKey}
	case OrderPriceAsc:
		return []string{priceUpKey}
	case OrderPriceDesc:
		return []string{"-" + priceDownKey}
	case OrderNewest:
		return []string{"-" + createdKey}
	default:
		return []string{"-_score", "-" + salesKey}
	}
}

// filterQueries restrict without scoring (boost 0).
func filterQueries(q Query) []query.Query {
	var filters []query.Query
	if q.Category != "" {
		t := query.NewTermQuery(q.Category)
		t.SetField("categories")
		filters = append(filters, t)
	}
	if q.MinPrice != nil || q.MaxPrice != nil {
		var lo, hi *float64
		if q.MinPrice != nil {
			v := float64(*q.MinPrice)
			lo = &v
		}
		if q.MaxPrice != nil {
			v := float64(*q.MaxPrice)
			hi = &v
		}
		inclusive := true
		r := query.NewNumericRangeInclusiveQuery(lo, hi, &inclusive, &inclusive)
		r.SetField("price")
		filters = append(filters, r)
	}
	if q.InStockOnly {
		b := query.NewBoolFieldQuery(true)
		b.SetField("in_stock")
		filters = append(filters, b)
	}
	for _, f := range filters {
		f.(query.BoostableQuery).SetBoost(0)
	}
	return filters
}

// matchQuery is what the words ask for: every word's every token in some
// field (AnyWord: every token of at least one word), the whole query as a
// title phrase counting extra. No words match every product.
func (e *BleveEngine) matchQuery(q Query) (query.Query, error) {
	if len(q.Words) == 0 {
		return query.NewMatchAllQuery(), nil
	}
	if q.TitlePrefix {
		return e.titlePrefixQuery(q.Words)
	}
	var perWord []query.Query
	for _, w := range q.Words {
		var tokens []query.Query
		for _, t := range e.tokens(w) {
			tokens = append(tokens, anyField(t))
		}
		if len(tokens) > 0 {
			perWord = append(perWord, query.NewConjunctionQuery(tokens))
		}
	}
	if len(perWord) == 0 {
		return nil, errNothingToSearch
	}
	var match query.Query = query.NewConjunctionQuery(perWord)
	if q.AnyWord {
		match = query.NewDisjunctionQuery(perWord)
	}
	if phrase := e.tokens(phraseText(q.Words)); len(phrase) > 1 {
		p := query.NewPhraseQuery(phrase, "title")
		p.SetBoost(phraseBoost)
		return query.NewBooleanQuery([]query.Query{match}, []query.Query{p}, nil), nil
	}
	return match, nil
}

// titlePrefixQuery matches titles holding every word, the last one
// possibly unfinished.
func (e *BleveEngine) titlePrefixQuery(words []string) (query.Query, error) {
	var must []query.Query
	for i, w := range words {
		tokens := e.tokens(w)
		for j, t := range tokens {
			if i == len(words)-1 && j == len(tokens)-1 {
				if r := []rune(t); len(r) < minWordRunes && !isCJK(r[0]) {
					// One letter or digit, whatever stood around it ("g.",
					// "绿g"): it would expand to every word it starts.
					continue
				}
				p := query.NewPrefixQuery(t)
				p.SetField("title")
				must = append(must, p)
				continue
			}
			tq := query.NewTermQuery(t)
			tq.SetField("title")
			must = append(must, tq)
		}
	}
	if len(must) == 0 {
		return nil, errNothingToSearch
	}
	return query.NewConjunctionQuery(must), nil
}

func anyField(token string) query.Query {
	fields := []struct {
		name  string
		boost float64
	}{{"title", titleBoost}, {"subtitle", subtitleBoost}, {"description", descriptionBoost}}
	qs := make([]query.Query, len(fields))
	for i, f := range fields {
		t := query.NewTermQuery(token)
		t.SetField(f.name)
		t.SetBoost(f.boost)
		qs[i] = t
	}
	return query.NewDisjunctionQuery(qs)
}

// tokens are text's terms as the index holds them, in order.
func (e *BleveEngine) tokens(text string) []string {
	stream := e.analyzer.Analyze([]byte(text))
	out := make([]string, len(stream))
	for i, t := range stream {
		out[i] = string(t.Term)
	}
	return out
}

// queryAnalyzer is textAnalyzer outside any index.
var queryAnalyzer = sync.OnceValue(func() analysis.Analyzer {
	m, err := indexMapping()
	if err != nil {
		panic(err) // the mapping is fixed; NewBleveEngine fails on it first
	}
	return m.AnalyzerNamed(textAnalyzer)
})

// searchedWhole reports whether a search uses every part of word: it holds
// only letters, digits and marks, and none of its pieces is one the index
// drops (an English stop word). Emoji, signs or a stop word beside a
// searched word change nothing found, so they could carry any text.
func searchedWhole(word string) bool {
	for _, r := range word {
		if !stdunicode.In(r, stdunicode.L, stdunicode.N, stdunicode.M) {
			return false
		}
	}
	for _, piece := range unicode.NewUnicodeTokenizer().Tokenize([]byte(word)) {
		if len(queryAnalyzer().Analyze(piece.Term)) == 0 {
			return false
		}
	}
	return true
}

// mergeRanges sorts byte ranges and joins the overlapping or touching ones
// (the pairs of "西湖龙井" overlap).
func mergeRanges(ranges [][2]int) [][2]int {
	if len(ranges) == 0 {
		return nil
	}
	slices.SortFunc(ranges, func(a, b [2]int) int { return a[0] - b[0] })
	out := [][2]int{ranges[0]}
	for _, r := range ranges[1:] {
		last := &out[len(out)-1]
		if r[0] <= last[1] {
			last[1] = max(last[1], r[1])
			continue
		}
		out = append(out, r)
	}
	return out
}
