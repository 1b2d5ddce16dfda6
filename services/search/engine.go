package search

import "time"

// Engine is the full-text part of search: it keeps the searchable fields of
// the on-sale products and answers which match a query in which order. The
// embedded BleveEngine serves one machine; a distributed engine
// (Elasticsearch/OpenSearch, with a CJK bigram analyzer and the same field
// boosts) implements the same three methods to outgrow it, fed from the same
// topic by the same Indexer.
type Engine interface {
	// Put indexes docs (replacing a document of the same id) and removes
	// the removed ids, all in one batch.
	Put(docs []Document, removed []string) error
	// Find answers q.
	Find(q Query) (Found, error)
	Close() error
}

// Document is what the engine indexes of one on-sale product.
type Document struct {
	ID          string
	Title       string
	Subtitle    string
	Description string
	// Categories are the product's category and its ancestors.
	Categories []string
	PriceCents int64
	Sales      int64
	InStock    bool
	Created    time.Time
}

// Order is how found products are ordered.
type Order int

const (
	OrderRelevance Order = iota
	OrderSales
	OrderPriceAsc
	OrderPriceDesc
	OrderNewest
)

// Query is one search: the query's usable words (see usableWords) and the
// filters.
type Query struct {
	Words []string
	// AnyWord finds products matching at least one word (most matched
	// first) instead of all.
	AnyWord bool
	// TitlePrefix completes the last word as a prefix, within titles only
	// (suggestions as the shopper types).
	TitlePrefix bool
	Category    string
	MinPrice    *int64
	MaxPrice    *int64
	InStockOnly bool
	Order       Order
	// After is the sort key of the last hit of the previous page.
	After []string
	Size  int
}

// Found is a page of matching products and how many match in all.
type Found struct {
	Hits  []FoundHit
	Total int64
}

// FoundHit is one matching product.
type FoundHit struct {
	ID string
	// SortKey places the hit in the order (Query.After of the next page).
	SortKey []string
	// TitleMatches are the byte ranges of the title the query matched.
	TitleMatches [][2]int
}
