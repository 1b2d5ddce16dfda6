package review

import (
	"encoding/base64"
	"testing"
	"time"

	"connectrpc.com/connect"

	reviewv1 "mall/gen/mall/review/v1"
	"mall/services/platform/rpcerr"
)

// A ListReviews page token reads back as the position of the review it was
// made after (rating only for HIGHEST), for the product and filter it came
// from. Another listing's token, a cut or altered one, or one that is not
// ours is refused with invalid_argument BAD_PAGE_TOKEN; an empty token is
// the first page.
func TestReviewPageTokens(t *testing.T) {
	newest, highest, withImages := reviewv1.ReviewFilter_REVIEW_FILTER_NEWEST, reviewv1.ReviewFilter_REVIEW_FILTER_HIGHEST, reviewv1.ReviewFilter_REVIEW_FILTER_WITH_IMAGES
	last := &reviewRow{ID: "r-7", ProductID: "p-tea", Rating: 4, CreatedAt: time.Date(2026, 11, 28, 8, 0, 0, 123456000, time.UTC)}
	for _, filter := range []reviewv1.ReviewFilter{newest, highest, withImages} {
		token := encodeToken("p-tea", filter, last)
		got, err := decodeToken(token, "p-tea", filter)
		if err != nil {
			t.Fatalf("%v: %v", filter, err)
		}
		want := cursor{CreatedAt: last.CreatedAt, ID: last.ID}
		if filter == highest {
			want.Rating = last.Rating
		}
		if *got != want {
			t.Errorf("%v: the token reads back as %+v, want %+v", filter, *got, want)
		}
	}
	if got, err := decodeToken("", "p-tea", newest); err != nil || got != nil {
		t.Fatalf("no token: %v, %v; want the first page", got, err)
	}

	token := encodeToken("p-tea", newest, last)
	for what, bad := range map[string]struct {
		token, product string
		filter         reviewv1.ReviewFilter
	}{
		"another product":          {token, "p-other", newest},
		"another filter":           {token, "p-tea", highest},
		"with images":              {token, "p-tea", withImages},
		"garbage":                  {"not a token!", "p-tea", newest},
		"no review id":             {base64.RawURLEncoding.EncodeToString([]byte(`{"p":"p-tea","f":1}`)), "p-tea", newest},
		"padded base64":            {base64.URLEncoding.EncodeToString([]byte(`{"p":"p-tea","f":1,"t":1,"i":"r-1"}`)), "p-tea", newest},
		"a time that is not one":   {base64.RawURLEncoding.EncodeToString([]byte(`{"p":"p-tea","f":1,"t":"today","i":"r-1"}`)), "p-tea", newest},
		"an order listing's token": {"12", "p-tea", newest},
		"a product listing token":  {base64.RawURLEncoding.EncodeToString([]byte(`{"c":"","s":1,"a":{"v":7,"q":7}}`)), "p-tea", newest},
	} {
		_, err := decodeToken(bad.token, bad.product, bad.filter)
		if connect.CodeOf(err) != connect.CodeInvalidArgument || rpcerr.Reason(err) != ReasonBadPageToken {
			t.Errorf("%s: got %v, want invalid_argument %s", what, err, ReasonBadPageToken)
		}
	}
	// Every cut of a token is refused: a prefix of a JSON object is never one.
	for n := 1; n < len(token); n++ {
		if _, err := decodeToken(token[:n], "p-tea", newest); rpcerr.Reason(err) != ReasonBadPageToken {
			t.Errorf("cut to %q: %v", token[:n], err)
		}
	}
}
