package review

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"time"

	"connectrpc.com/connect"

	reviewv1 "mall/gen/mall/review/v1"
)

// pageToken is the opaque cursor of ListReviews: base64url of this JSON.
// It holds the sort key of the last review shown (rating for HIGHEST,
// created_at in Unix microseconds, id) and is bound to the request's product
// and filter, so it cannot be replayed against another listing.
type pageToken struct {
	Product string `json:"p"`
	Filter  int32  `json:"f"`
	Rating  int32  `json:"r,omitempty"`
	At      int64  `json:"t"`
	ID      string `json:"i"`
}

func encodeToken(productID string, filter reviewv1.ReviewFilter, last *reviewRow) string {
	t := pageToken{Product: productID, Filter: int32(filter), At: last.CreatedAt.UnixMicro(), ID: last.ID}
	if filter == reviewv1.ReviewFilter_REVIEW_FILTER_HIGHEST {
		t.Rating = last.Rating
	}
	data, _ := json.Marshal(t)
	return base64.RawURLEncoding.EncodeToString(data)
}

func decodeToken(raw, productID string, filter reviewv1.ReviewFilter) (*cursor, error) {
	if raw == "" {
		return nil, nil
	}
	data, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil {
		return nil, errBadPageToken()
	}
	var t pageToken
	if json.Unmarshal(data, &t) != nil || t.Product != productID || t.Filter != int32(filter) || t.ID == "" {
		return nil, errBadPageToken()
	}
	return &cursor{Rating: t.Rating, CreatedAt: time.UnixMicro(t.At).UTC(), ID: t.ID}, nil
}

// normalizeFilter maps UNSPECIFIED to NEWEST, as the contract says.
func normalizeFilter(f reviewv1.ReviewFilter) reviewv1.ReviewFilter {
	if f == reviewv1.ReviewFilter_REVIEW_FILTER_UNSPECIFIED {
		return reviewv1.ReviewFilter_REVIEW_FILTER_NEWEST
	}
	return f
}

// ListReviews returns one page of a product's reviews: NEWEST (created_at,
// id descending), HIGHEST (rating, then newest) or WITH_IMAGES (only those
// with images, newest first). Pages are keyset pages over a unique key, so
// they never repeat or skip a review while reviews are added.
func (s *Service) ListReviews(ctx context.Context, req *connect.Request[reviewv1.ListReviewsRequest]) (*connect.Response[reviewv1.ListReviewsResponse], error) {
	msg := req.Msg
	filter := normalizeFilter(msg.GetFilter())
	after, err := decodeToken(msg.GetPageToken(), msg.GetProductId(), filter)
	if err != nil {
		return nil, err
	}
	size := int(msg.GetPageSize())
	if size <= 0 {
		size = s.opts.DefaultPageSize
	}
	rows, err := queryPage(ctx, s.db, msg.GetProductId(), filter, after, size+1)
	if err != nil {
		return nil, err
	}
	res := &reviewv1.ListReviewsResponse{}
	if len(rows) > size {
		rows = rows[:size]
		res.NextPageToken = encodeToken(msg.GetProductId(), filter, &rows[size-1])
	}
	res.Reviews = make([]*reviewv1.Review, len(rows))
	for i := range rows {
		res.Reviews[i] = rows[i].proto(false)
	}
	return connect.NewResponse(res), nil
}
