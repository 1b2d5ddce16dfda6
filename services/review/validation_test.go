package review

import (
	"fmt"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	reviewv1 "mall/gen/mall/review/v1"
	"mall/services/platform/testenv"
)

// The review service's contract rules, as every server enforces them
// before a handler runs: each request either passes or breaks exactly the
// rules named, so a contract change that drops or loosens one fails here.
func TestReviewContractRules(t *testing.T) {
	review := func(rating int32, images ...string) *reviewv1.CreateReviewRequest {
		return &reviewv1.CreateReviewRequest{OrderId: "o-1", ProductId: "p-tea", Rating: rating, Text: "香", ImageIds: images}
	}
	pictures := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = uploads.NewID()
		}
		return out
	}
	id := uploads.NewID()
	orders := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("o-%d", i)
		}
		return out
	}
	for _, c := range []struct {
		name string
		msg  proto.Message
		want []string
	}{
		{"one star", review(1), nil},
		{"five stars and six pictures", review(5, pictures(6)...), nil},
		{"no stars", review(0), []string{"rating int32.gte_lte"}},
		{"six stars", review(6), []string{"rating int32.gte_lte"}},
		{"seven pictures", review(5, pictures(7)...), []string{"image_ids repeated.max_items"}},
		{"a picture twice", review(5, id, id), []string{"image_ids repeated.unique"}},
		{"an empty picture id", review(5, ""), []string{"image_ids[0] string.pattern"}},
		{"a picture id in capitals", review(5, strings.ToUpper(id)), []string{"image_ids[0] string.pattern"}},
		{"a picture id with a space", review(5, id+" "), []string{"image_ids[0] string.pattern"}},
		{"a picture's address", review(5, "/review-img/"+id), []string{"image_ids[0] string.pattern"}},
		{"a picture by URL", &reviewv1.CreateReviewRequest{OrderId: "o-1", ProductId: "p-tea", Rating: 5, ImageUrls: []string{"/img/x.jpg"}},
			[]string{"image_urls repeated.max_items"}},

		{"upload a picture", &reviewv1.UploadReviewImageRequest{Data: []byte{0xff, 0xd8, 0xff}}, nil},
		{"upload nothing", &reviewv1.UploadReviewImageRequest{}, []string{"data bytes.min_len"}},
		{"upload 700 KiB", &reviewv1.UploadReviewImageRequest{Data: make([]byte, 700<<10)}, nil},
		{"upload more than 700 KiB", &reviewv1.UploadReviewImageRequest{Data: make([]byte, 700<<10+1)}, []string{"data bytes.max_len"}},
		{"a text too long", &reviewv1.CreateReviewRequest{OrderId: "o-1", ProductId: "p-tea", Rating: 3, Text: strings.Repeat("字", 2001)},
			[]string{"text string.max_len"}},
		{"a review of no order", &reviewv1.CreateReviewRequest{ProductId: "p-tea", Rating: 3}, []string{"order_id string.min_len"}},

		{"list reviews", &reviewv1.ListReviewsRequest{ProductId: "p-tea", Filter: reviewv1.ReviewFilter_REVIEW_FILTER_HIGHEST, PageSize: 100}, nil},
		{"list reviews of nothing", &reviewv1.ListReviewsRequest{}, []string{"product_id string.min_len"}},
		{"a page too big", &reviewv1.ListReviewsRequest{ProductId: "p-tea", PageSize: 101}, []string{"page_size int32.gte_lte"}},
		{"an unknown filter", &reviewv1.ListReviewsRequest{ProductId: "p-tea", Filter: 9}, []string{"filter enum.defined_only"}},
		{"a page token too long", &reviewv1.ListReviewsRequest{ProductId: "p-tea", PageToken: strings.Repeat("t", 513)}, []string{"page_token string.max_len"}},

		{"the status of 100 orders", &reviewv1.GetReviewStatusRequest{OrderIds: orders(100)}, nil},
		{"the status of no order", &reviewv1.GetReviewStatusRequest{}, []string{"order_ids repeated.min_items"}},
		{"the status of 101 orders", &reviewv1.GetReviewStatusRequest{OrderIds: orders(101)}, []string{"order_ids repeated.max_items"}},
		{"the status of one order twice", &reviewv1.GetReviewStatusRequest{OrderIds: []string{"o-1", "o-1"}}, []string{"order_ids repeated.unique"}},
	} {
		t.Run(c.name, func(t *testing.T) { testenv.WantViolations(t, c.msg, c.want...) })
	}
}
