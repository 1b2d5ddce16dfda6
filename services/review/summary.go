package review

import (
	"context"
	"errors"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/proto"

	reviewv1 "mall/gen/mall/review/v1"
	"mall/services/platform/cache"
)

// GetReviewSummary answers a product's review summary from the cache (see summary).
func (s *Service) GetReviewSummary(ctx context.Context, req *connect.Request[reviewv1.GetReviewSummaryRequest]) (*connect.Response[reviewv1.GetReviewSummaryResponse], error) {
	summary, err := s.summary(ctx, req.Msg.GetProductId())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&reviewv1.GetReviewSummaryResponse{Summary: summary}), nil
}

// summary returns a product's summary, cache-aside in Valkey under
// summaryKey (TTL SummaryTTL + up to 20 %, client-side copy LocalTTL). A
// product without reviews is cached as absent for EmptySummaryTTL, so
// unknown ids cost little. CreateReview invalidates the key after its
// insert commits; the Aside generation guard refuses a fill that read the
// database before that, so the next read sees the new review.
func (s *Service) summary(ctx context.Context, productID string) (*reviewv1.ReviewSummary, error) {
	if !s.cacheEnabled.Load() {
		return s.loadSummary(ctx, productID)
	}
	data, err := s.summaries.Get(ctx, s.summaryKey(productID), func(ctx context.Context) ([]byte, bool, error) {
		summary, err := s.loadSummary(ctx, productID)
		if err != nil || summary.GetReviewCount() == 0 {
			return nil, false, err
		}
		data, err := proto.Marshal(summary)
		return data, err == nil, err
	})
	if errors.Is(err, cache.ErrNotFound) {
		return emptySummary(productID), nil
	}
	if err != nil {
		return nil, err
	}
	summary := &reviewv1.ReviewSummary{}
	return summary, proto.Unmarshal(data, summary)
}

func emptySummary(productID string) *reviewv1.ReviewSummary {
	return &reviewv1.ReviewSummary{ProductId: productID, RatingCounts: make([]int64, 5)}
}

// loadSummary computes a summary in MySQL with one grouped query.
//   - average_rating: the exact mean (0 without reviews);
//   - positive_share_bps: 4 and 5 star reviews per 10 000, rounded half up;
//   - rating_counts: index 0 is 1 star ... index 4 is 5 stars.
func (s *Service) loadSummary(ctx context.Context, productID string) (*reviewv1.ReviewSummary, error) {
	counts, err := queryRatingCounts(ctx, s.db, productID)
	if err != nil {
		return nil, err
	}
	summary := emptySummary(productID)
	var sum, positive int64
	for _, c := range counts {
		if c.Rating < 1 || c.Rating > 5 { // the table's CHECK rules it out
			continue
		}
		summary.RatingCounts[c.Rating-1] += c.Count
		summary.ReviewCount += c.Count
		summary.WithImagesCount += c.WithImages
		sum += int64(c.Rating) * c.Count
		if c.Rating >= 4 {
			positive += c.Count
		}
	}
	if n := summary.ReviewCount; n > 0 {
		summary.AverageRating = float64(sum) / float64(n)
		summary.PositiveShareBps = int32((positive*10000 + n/2) / n)
	}
	return summary, nil
}
