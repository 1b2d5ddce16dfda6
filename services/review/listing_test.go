package review

import (
	"context"
	"encoding/base64"
	"slices"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/encoding/protojson"

	reviewv1 "mall/gen/mall/review/v1"
	"mall/gen/mall/review/v1/reviewv1connect"
	"mall/services/platform/testenv"
)

var filters = []reviewv1.ReviewFilter{
	reviewv1.ReviewFilter_REVIEW_FILTER_NEWEST,
	reviewv1.ReviewFilter_REVIEW_FILTER_HIGHEST,
	reviewv1.ReviewFilter_REVIEW_FILTER_WITH_IMAGES,
}

// newerFirst orders reviews by (created_at, id) descending.
func newerFirst(a, b *reviewv1.Review) int {
	if c := b.GetCreatedAt().AsTime().Compare(a.GetCreatedAt().AsTime()); c != 0 {
		return c
	}
	return strings.Compare(b.GetReviewId(), a.GetReviewId())
}

// expected is the listing a filter must give of reviews, by the contract.
func expected(reviews []*reviewv1.Review, filter reviewv1.ReviewFilter) []string {
	var list []*reviewv1.Review
	for _, r := range reviews {
		if filter != reviewv1.ReviewFilter_REVIEW_FILTER_WITH_IMAGES || len(r.GetImageUrls()) > 0 {
			list = append(list, r)
		}
	}
	slices.SortFunc(list, func(a, b *reviewv1.Review) int {
		if filter == reviewv1.ReviewFilter_REVIEW_FILTER_HIGHEST && a.GetRating() != b.GetRating() {
			return int(b.GetRating() - a.GetRating())
		}
		return newerFirst(a, b)
	})
	return ids(list)
}

func ids(reviews []*reviewv1.Review) []string {
	out := make([]string, len(reviews))
	for i, r := range reviews {
		out[i] = r.GetReviewId()
	}
	return out
}

func list(t *testing.T, client reviewv1connect.ReviewServiceClient, req *reviewv1.ListReviewsRequest) *reviewv1.ListReviewsResponse {
	t.Helper()
	res, err := client.ListReviews(context.Background(), connect.NewRequest(req))
	if err != nil {
		t.Fatal(err)
	}
	return res.Msg
}

// walk pages through a listing and returns every review in order; between
// pages it calls between (which may add reviews).
func walk(t *testing.T, client reviewv1connect.ReviewServiceClient, productID string, filter reviewv1.ReviewFilter, size int32, between func(page int)) []*reviewv1.Review {
	t.Helper()
	var all []*reviewv1.Review
	token := ""
	for page := 0; ; page++ {
		res := list(t, client, &reviewv1.ListReviewsRequest{ProductId: productID, Filter: filter, PageSize: size, PageToken: token})
		if res.GetNextPageToken() != "" && len(res.GetReviews()) != int(size) {
			t.Fatalf("page %d has %d reviews and a next page", page, len(res.GetReviews()))
		}
		all = append(all, res.GetReviews()...)
		if token = res.GetNextPageToken(); token == "" {
			return all
		}
		if page > 100 {
			t.Fatal("the listing never ends")
		}
		if between != nil {
			between(page)
		}
	}
}

func TestListingsFilterOrderAndPage(t *testing.T) {
	f := newFixture(t)
	grpc := f.clients["grpc"]
	ratings := []int32{5, 3, 4, 1, 5, 2, 4, 5, 3, 1}
	var reviews []*reviewv1.Review
	for i := range 23 {
		switch i {
		case 8:
			f.clock.setStep(0) // reviews 8 to 13 share one created_at: the id breaks the tie
		case 13:
			f.clock.setStep(time.Millisecond)
		}
		var images []string
		if i%3 == 0 {
			images = []string{"/img/r" + string(rune('a'+i)) + ".jpg"}
		}
		reviews = append(reviews, f.review(t, grpc, "p-list", ratings[i%len(ratings)], images...))
	}
	f.review(t, grpc, "p-elsewhere", 5, "/img/other.jpg") // another product's review never shows

	for _, name := range protocols {
		client := f.clients[name]
		t.Run(name, func(t *testing.T) {
			for _, filter := range append(filters, reviewv1.ReviewFilter_REVIEW_FILTER_UNSPECIFIED) {
				want := expected(reviews, filter)
				if filter == reviewv1.ReviewFilter_REVIEW_FILTER_UNSPECIFIED {
					want = expected(reviews, reviewv1.ReviewFilter_REVIEW_FILTER_NEWEST)
				}
				whole := list(t, client, &reviewv1.ListReviewsRequest{ProductId: "p-list", Filter: filter, PageSize: 100})
				if got := ids(whole.GetReviews()); !slices.Equal(got, want) || whole.GetNextPageToken() != "" {
					t.Fatalf("%v: got %v, want %v", filter, got, want)
				}
				for _, size := range []int32{1, 4, 7} {
					if got := ids(walk(t, client, "p-list", filter, size, nil)); !slices.Equal(got, want) {
						t.Fatalf("%v by %d: got %v, want %v", filter, size, got, want)
					}
				}
			}
			// The default page size is 10.
			first := list(t, client, &reviewv1.ListReviewsRequest{ProductId: "p-list"})
			second := list(t, client, &reviewv1.ListReviewsRequest{ProductId: "p-list", PageToken: first.GetNextPageToken()})
			third := list(t, client, &reviewv1.ListReviewsRequest{ProductId: "p-list", PageToken: second.GetNextPageToken()})
			if len(first.GetReviews()) != 10 || len(second.GetReviews()) != 10 || len(third.GetReviews()) != 3 || third.GetNextPageToken() != "" {
				t.Fatalf("default pages of %d, %d, %d", len(first.GetReviews()), len(second.GetReviews()), len(third.GetReviews()))
			}
			// Public listings show the masked author, and neither the order
			// nor anything of the user id.
			for _, r := range first.GetReviews() {
				if r.GetOrderId() != "" || !strings.Contains(r.GetAuthorName(), "**") || r.GetProductId() != "p-list" {
					t.Fatalf("listed review %v", r)
				}
				if text := protojson.Format(r); strings.Contains(text, "u-") {
					t.Fatalf("listed review mentions a user id: %s", text)
				}
			}
			if res := list(t, client, &reviewv1.ListReviewsRequest{ProductId: "p-nothing"}); len(res.GetReviews()) != 0 || res.GetNextPageToken() != "" {
				t.Fatalf("product without reviews: %v", res)
			}
		})
	}
}

func TestPagesNeitherRepeatNorSkipWhileReviewsAreAdded(t *testing.T) {
	f := newFixture(t)
	for _, name := range protocols {
		client := f.clients[name]
		t.Run(name, func(t *testing.T) {
			for _, filter := range filters {
				product := "p-live-" + name + "-" + filter.String()
				var before []*reviewv1.Review
				for i := range 12 {
					before = append(before, f.review(t, client, product, int32(i%5+1), "/img/live.jpg"))
				}
				var added []*reviewv1.Review
				seen := walk(t, client, product, filter, 5, func(page int) {
					// New reviews at both ends of every order: the newest, the
					// best and the worst rated, with and without images.
					added = append(added, f.review(t, client, product, 5, "/img/new.jpg"))
					added = append(added, f.review(t, client, product, 1, "/img/new.jpg"))
					added = append(added, f.review(t, client, product, 3))
					if page == 0 {
						f.clock.setStep(0) // and some sharing a created_at
						added = append(added, f.review(t, client, product, 4, "/img/tie.jpg"), f.review(t, client, product, 4, "/img/tie.jpg"))
						f.clock.setStep(time.Millisecond)
					}
				})
				count := map[string]int{}
				for _, r := range seen {
					count[r.GetReviewId()]++
				}
				for id, n := range count {
					if n > 1 {
						t.Fatalf("%v: review %s shown %d times", filter, id, n)
					}
				}
				for _, r := range before {
					if count[r.GetReviewId()] != 1 {
						t.Fatalf("%v: review %s (there before paging) shown %d times", filter, r.GetReviewId(), count[r.GetReviewId()])
					}
				}
				// Whatever was added shows in order where the listing had not
				// reached yet; the result is still sorted.
				want := expected(append(before, added...), filter)
				got := ids(seen)
				if !slices.IsSortedFunc(got, func(a, b string) int { return slices.Index(want, a) - slices.Index(want, b) }) {
					t.Fatalf("%v: pages out of order: %v (full order %v)", filter, got, want)
				}
			}
		})
	}
}

func TestPageTokensAreBoundToTheirListing(t *testing.T) {
	f := newFixture(t)
	for range 3 {
		f.review(t, f.clients["grpc"], "p-token", 5, "/img/t.jpg")
	}
	ctx := context.Background()
	for _, name := range protocols {
		client := f.clients[name]
		t.Run(name, func(t *testing.T) {
			page := list(t, client, &reviewv1.ListReviewsRequest{ProductId: "p-token", PageSize: 1})
			token := page.GetNextPageToken()
			if token == "" {
				t.Fatal("no next page")
			}
			for _, req := range []*reviewv1.ListReviewsRequest{
				{ProductId: "p-token", PageToken: "not a token!"},
				{ProductId: "p-token", PageToken: base64.RawURLEncoding.EncodeToString([]byte(`{"p":"p-token","f":1}`))},
				{ProductId: "p-other", PageToken: token},
				{ProductId: "p-token", Filter: reviewv1.ReviewFilter_REVIEW_FILTER_HIGHEST, PageToken: token},
				{ProductId: "p-token", Filter: reviewv1.ReviewFilter_REVIEW_FILTER_WITH_IMAGES, PageToken: token},
			} {
				_, err := client.ListReviews(ctx, connect.NewRequest(req))
				testenv.WantCode(t, err, connect.CodeInvalidArgument, ReasonBadPageToken)
			}
			// UNSPECIFIED is NEWEST, so their tokens are interchangeable.
			if _, err := client.ListReviews(ctx, connect.NewRequest(&reviewv1.ListReviewsRequest{
				ProductId: "p-token", Filter: reviewv1.ReviewFilter_REVIEW_FILTER_NEWEST, PageToken: token})); err != nil {
				t.Fatal(err)
			}
		})
	}
}
