package product

import (
	"encoding/base64"
	"testing"

	"connectrpc.com/connect"

	productv1 "mall/gen/mall/product/v1"
	"mall/services/platform/rpcerr"
)

func wantBadPageToken(t *testing.T, what string, err error) {
	t.Helper()
	if connect.CodeOf(err) != connect.CodeInvalidArgument || rpcerr.Reason(err) != ReasonBadPageToken {
		t.Errorf("%s: got %v (reason %q), want invalid_argument %s", what, err, rpcerr.Reason(err), ReasonBadPageToken)
	}
}

// A ListProducts page token reads back as the key it was made with, for
// the listing (category and sort) it came from; any other listing's token,
// a cut or altered one, or one that is not ours is refused with
// invalid_argument BAD_PAGE_TOKEN. An empty token is the first page.
func TestListingPageTokens(t *testing.T) {
	newest, priceAsc := normalizeSort(productv1.ProductSort_PRODUCT_SORT_NEWEST), normalizeSort(productv1.ProductSort_PRODUCT_SORT_PRICE_ASC)
	after := listingKey{Value: 12900, Seq: 42}
	token := encodeToken(pageToken{Category: "c01", Sort: int32(priceAsc), After: after})

	if got, err := decodeToken(token, "c01", priceAsc); err != nil || *got != after {
		t.Fatalf("the token reads back as %v, %v; want %v", got, err, after)
	}
	if got, err := decodeToken("", "c01", priceAsc); err != nil || got != nil {
		t.Fatalf("no token: %v, %v; want the first page", got, err)
	}
	// UNSPECIFIED is NEWEST, so their tokens are interchangeable.
	first := encodeToken(pageToken{Sort: int32(newest), After: listingKey{Value: 7, Seq: 7}})
	if _, err := decodeToken(first, "", normalizeSort(productv1.ProductSort_PRODUCT_SORT_UNSPECIFIED)); err != nil {
		t.Fatalf("a NEWEST token for an unspecified sort: %v", err)
	}

	for what, bad := range map[string]struct {
		token, category string
		sort            listingSort
	}{
		"another category":         {token, "c02", priceAsc},
		"all categories":           {token, "", priceAsc},
		"another sort":             {token, "c01", newest},
		"garbage":                  {"not a token!", "c01", priceAsc},
		"padded base64":            {base64.URLEncoding.EncodeToString([]byte(`{"c":"c01","s":2,"a":{"v":1,"q":1}}`)), "c01", priceAsc},
		"not JSON":                 {base64.RawURLEncoding.EncodeToString([]byte("12900:42")), "c01", priceAsc},
		"null":                     {base64.RawURLEncoding.EncodeToString([]byte("null")), "", newest},
		"an order listing's token": {"12", "", newest},
		"a review listing's token": {base64.RawURLEncoding.EncodeToString([]byte(`{"p":"p1","f":1,"t":1764316800000000,"i":"r-1"}`)), "c01", priceAsc},
		"category of another type": {base64.RawURLEncoding.EncodeToString([]byte(`{"c":1,"s":2,"a":{"v":1,"q":1}}`)), "c01", priceAsc},
		"key that is not a number": {base64.RawURLEncoding.EncodeToString([]byte(`{"c":"c01","s":2,"a":{"v":"x","q":1}}`)), "c01", priceAsc},
	} {
		_, err := decodeToken(bad.token, bad.category, bad.sort)
		wantBadPageToken(t, what, err)
	}
	// Every cut of a token is refused: a prefix of a JSON object is never one.
	for n := 1; n < len(token); n++ {
		_, err := decodeToken(token[:n], "c01", priceAsc)
		wantBadPageToken(t, "cut to "+token[:n], err)
	}
}

// The sorted-set listing keeps a product's key as one exact float64 score;
// a key a token carries that no score can hold (an altered token) is
// refused there, and every key that fits comes back from its score.
func TestListingKeysAndScores(t *testing.T) {
	for _, k := range []listingKey{{0, 0}, {12900, 42}, {1<<32 - 1, 1<<seqBits - 1}, {5, 1 << 20}} {
		score, ok := k.score()
		if !ok {
			t.Errorf("%+v has no score", k)
			continue
		}
		if back := keyFromScore(score); back != k {
			t.Errorf("%+v comes back from its score as %+v", k, back)
		}
	}
	for _, k := range []listingKey{{-1, 1}, {1 << 32, 1}, {1, 1 << seqBits}, {1, -1}} {
		if _, ok := k.score(); ok {
			t.Errorf("%+v has a score", k)
		}
	}
	// Scores order like the keys they hold: by value, then by seq.
	ordered := []listingKey{{1, 5}, {1, 6}, {2, 0}, {1<<32 - 1, 0}}
	for i := 1; i < len(ordered); i++ {
		a, _ := ordered[i-1].score()
		b, _ := ordered[i].score()
		if a >= b {
			t.Errorf("%+v scores %v, not below %+v's %v", ordered[i-1], a, ordered[i], b)
		}
	}
}
