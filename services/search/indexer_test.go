package search

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/types/known/timestamppb"

	productv1 "mall/gen/mall/product/v1"
	"mall/services/platform/testenv"
)

// TestTheHighestRevisionWins: records of a product arrive twice and out of
// order (two relays, a replay); the index keeps the newest state.
func TestTheHighestRevisionWins(t *testing.T) {
	engine, err := NewBleveEngine(filepath.Join(t.TempDir(), "index"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = engine.Close() }()
	ix := NewIndexer(engine, testenv.Logger())
	change := func(revision int64, title string, status productv1.ProductStatus) *productv1.CatalogChange {
		return &productv1.CatalogChange{Revision: revision, CategoryPath: []string{"c01"}, Product: &productv1.Product{
			ProductId: "p1", CategoryId: "c01", Title: title, Description: "长描述", Stock: 3, Status: status, CreatedAt: timestamppb.Now()}}
	}
	find := func(word string) []string {
		found, err := engine.Find(Query{Words: []string{word}, Size: 10})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, h := range found.Hits {
			out = append(out, h.ID)
		}
		return out
	}
	onSale := productv1.ProductStatus_PRODUCT_STATUS_ON_SALE
	steps := []struct {
		batch     []*productv1.CatalogChange
		want      string // the title word that finds p1 ("" for none)
		gone      []string
		cardTitle string
	}{
		{batch: []*productv1.CatalogChange{change(2, "second 第二", onSale), change(1, "first 第一", onSale)}, want: "second", gone: []string{"first"}, cardTitle: "second 第二"},
		{batch: []*productv1.CatalogChange{change(1, "first 第一", onSale)}, want: "second", gone: []string{"first"}, cardTitle: "second 第二"},
		{batch: []*productv1.CatalogChange{change(2, "second 第二", onSale)}, want: "第二", cardTitle: "second 第二"},
		{batch: []*productv1.CatalogChange{change(3, "third", productv1.ProductStatus_PRODUCT_STATUS_OFF_SHELF)}, gone: []string{"second", "third"}},
		{batch: []*productv1.CatalogChange{change(2, "second 第二", onSale)}, gone: []string{"second"}},
		{batch: []*productv1.CatalogChange{change(4, "fourth", onSale)}, want: "fourth", gone: []string{"second"}, cardTitle: "fourth"},
	}
	for i, s := range steps {
		if err := ix.Apply(s.batch); err != nil {
			t.Fatal(err)
		}
		if s.want != "" && !slices.Equal(find(s.want), []string{"p1"}) {
			t.Errorf("step %d: %q does not find p1", i, s.want)
		}
		for _, w := range s.gone {
			if got := find(w); len(got) != 0 {
				t.Errorf("step %d: %q still finds %v", i, w, got)
			}
		}
		card, ok := ix.card("p1")
		if (s.cardTitle != "") != ok || (ok && (card.GetTitle() != s.cardTitle || card.GetDescription() != "")) {
			t.Errorf("step %d: card %v (%v), want title %q and no description", i, card, ok, s.cardTitle)
		}
	}
}

func TestUsableWords(t *testing.T) {
	for query, want := range map[string][]string{
		"龙井 茶":         {"龙井"},
		"ＧＲＥＥＮ　Tea":    {"green", "tea"},
		"a b c":        nil,
		"  iPhone15  ": {"iphone15"},
		"茶":            nil,
		"三体·":          {"三体·"},
		"x 礼盒":         {"礼盒"},
	} {
		if got := usableWords(query); !slices.Equal(got, want) {
			t.Errorf("usableWords(%q) = %q, want %q", query, got, want)
		}
	}
	for words, want := range map[string]string{"西湖 龙井": "西湖龙井", "green tea": "green tea", "龙井 tea": "龙井 tea"} {
		if got := phraseText(strings.Fields(words)); got != want {
			t.Errorf("phraseText(%q) = %q, want %q", words, got, want)
		}
	}
}
