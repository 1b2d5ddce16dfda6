package review

import (
	"context"
	"math"
	"slices"
	"testing"
	"time"
)

func TestSummaryNumbers(t *testing.T) {
	f := newFixture(t)
	grpc := f.clients["grpc"]
	for _, r := range []struct {
		rating int32
		images []string
	}{{5, []string{"/img/a.jpg"}}, {5, nil}, {4, []string{"/img/b.jpg", "/img/c.jpg"}}, {3, nil}, {1, nil}} {
		f.review(t, grpc, "p-sum", r.rating, r.images...)
	}
	for _, rating := range []int32{5, 4, 1} {
		f.review(t, grpc, "p-thirds", rating)
	}
	for _, name := range protocols {
		client := f.clients[name]
		t.Run(name, func(t *testing.T) {
			s := f.summary(t, client, "p-sum")
			if s.GetProductId() != "p-sum" || s.GetReviewCount() != 5 || math.Abs(s.GetAverageRating()-3.6) > 1e-9 ||
				s.GetPositiveShareBps() != 6000 || !slices.Equal(s.GetRatingCounts(), []int64{1, 0, 1, 1, 2}) || s.GetWithImagesCount() != 2 {
				t.Fatalf("summary %v", s)
			}
			// 2 of 3 positive: 6666.67 bps rounds to 6667.
			s = f.summary(t, client, "p-thirds")
			if s.GetReviewCount() != 3 || math.Abs(s.GetAverageRating()-10.0/3) > 1e-9 || s.GetPositiveShareBps() != 6667 ||
				!slices.Equal(s.GetRatingCounts(), []int64{1, 0, 0, 1, 1}) || s.GetWithImagesCount() != 0 {
				t.Fatalf("summary %v", s)
			}
			s = f.summary(t, client, "p-unreviewed")
			if s.GetProductId() != "p-unreviewed" || s.GetReviewCount() != 0 || s.GetAverageRating() != 0 || s.GetPositiveShareBps() != 0 ||
				!slices.Equal(s.GetRatingCounts(), []int64{0, 0, 0, 0, 0}) || s.GetWithImagesCount() != 0 {
				t.Fatalf("empty summary %v", s)
			}
		})
	}
}

// The summary is read from Valkey after the first read, and a new review
// is in the very next read: counted at the database.
func TestSummaryIsCachedAndRefreshedAfterANewReview(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, name := range protocols {
		client := f.clients[name]
		t.Run(name, func(t *testing.T) {
			product := "p-cached-" + name
			f.review(t, client, product, 5)
			f.review(t, client, product, 4, "/img/x.jpg")

			reads := f.reads.reviewReads.Load()
			if s := f.summary(t, client, product); s.GetReviewCount() != 2 || s.GetAverageRating() != 4.5 {
				t.Fatalf("first read %v", s)
			}
			if n := f.reads.reviewReads.Load() - reads; n != 1 {
				t.Fatalf("a cold summary took %d SELECTs, want 1", n)
			}
			stats := f.svc.SummaryStats()
			hits := stats.LocalHits.Load() + stats.RemoteHits.Load()
			for range 5 {
				if s := f.summary(t, client, product); s.GetReviewCount() != 2 {
					t.Fatalf("cached read %v", s)
				}
			}
			if n := f.reads.reviewReads.Load() - reads; n != 1 {
				t.Fatalf("warm summaries reached the database %d more times", n-1)
			}
			if got := stats.LocalHits.Load() + stats.RemoteHits.Load() - hits; got != 5 {
				t.Fatalf("%d cache hits for 5 warm reads", got)
			}
			key := f.opts.KeyPrefix + "review:summary:" + product
			ttl, err := f.redis.Do(ctx, f.redis.B().Pttl().Key(key).Build()).AsInt64()
			if err != nil || ttl <= 0 || time.Duration(ttl)*time.Millisecond > f.opts.SummaryTTL*12/10 {
				t.Fatalf("key %s has TTL %dms (%v); want up to %v", key, ttl, err, f.opts.SummaryTTL*12/10)
			}

			// A new review is in the next read, which loads once more.
			f.review(t, client, product, 1, "/img/y.jpg")
			reads = f.reads.reviewReads.Load()
			s := f.summary(t, client, product)
			if s.GetReviewCount() != 3 || math.Abs(s.GetAverageRating()-10.0/3) > 1e-9 || s.GetWithImagesCount() != 2 ||
				!slices.Equal(s.GetRatingCounts(), []int64{1, 0, 0, 1, 1}) || s.GetPositiveShareBps() != 6667 {
				t.Fatalf("after a new review %v", s)
			}
			f.summary(t, client, product)
			if n := f.reads.reviewReads.Load() - reads; n != 1 {
				t.Fatalf("the refreshed summary took %d SELECTs for two reads, want 1", n)
			}

			// A product without reviews is cached too (as absent), and its
			// first review shows at once.
			empty := "p-empty-" + name
			reads = f.reads.reviewReads.Load()
			for range 3 {
				if s := f.summary(t, client, empty); s.GetReviewCount() != 0 || len(s.GetRatingCounts()) != 5 {
					t.Fatalf("empty summary %v", s)
				}
			}
			if n := f.reads.reviewReads.Load() - reads; n != 1 {
				t.Fatalf("three reads of an empty summary took %d SELECTs, want 1", n)
			}
			f.review(t, client, empty, 2)
			if s := f.summary(t, client, empty); s.GetReviewCount() != 1 || s.GetRatingCounts()[1] != 1 || s.GetPositiveShareBps() != 0 {
				t.Fatalf("first review not in the summary: %v", s)
			}
		})
	}
}

func TestSummaryWithTheCacheOffReadsTheDatabase(t *testing.T) {
	f := newFixture(t)
	f.review(t, f.clients["grpc"], "p-nocache", 3)
	f.svc.SetCacheEnabled(false)
	reads := f.reads.reviewReads.Load()
	for range 3 {
		if s := f.summary(t, f.clients["connect-json"], "p-nocache"); s.GetReviewCount() != 1 || s.GetAverageRating() != 3 {
			t.Fatalf("summary %v", s)
		}
	}
	if n := f.reads.reviewReads.Load() - reads; n != 3 {
		t.Fatalf("three uncached reads took %d SELECTs", n)
	}
}
