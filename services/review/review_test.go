package review

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/encoding/protojson"

	orderv1 "mall/gen/mall/order/v1"
	reviewv1 "mall/gen/mall/review/v1"
	"mall/services/platform/auth"
	"mall/services/platform/testenv"
)

func TestBuyerOfADeliveredOrCompletedOrderReviews(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, name := range protocols {
		client := f.clients[name]
		t.Run(name, func(t *testing.T) {
			for _, status := range []orderv1.OrderStatus{statusDelivered, statusCompleted} {
				userID, token := f.user(t, "张小明")
				orderID := f.order(t, userID, status, "p-tea", "p-cup")
				cup1 := f.upload(t, client, token, testPNG(t, 40, 30, "cup-1"))
				cup2 := f.upload(t, client, token, testJPEG(t, 30, 40))
				before := f.clock.peek()
				res, err := client.CreateReview(ctx, testenv.Bearer(token, &reviewv1.CreateReviewRequest{
					OrderId: orderID, ProductId: "p-cup", Rating: 4, Text: "杯子很好 nice cup",
					ImageIds: []string{cup2.GetImageId(), cup1.GetImageId()}}))
				if err != nil {
					t.Fatalf("%v: %v", status, err)
				}
				r := res.Msg.GetReview()
				if r.GetReviewId() == "" || r.GetProductId() != "p-cup" || r.GetOrderId() != orderID || r.GetRating() != 4 ||
					r.GetText() != "杯子很好 nice cup" || len(r.GetImageUrls()) != 2 || r.GetImageUrls()[0] != cup2.GetUrl() ||
					r.GetImageUrls()[1] != cup1.GetUrl() || !r.GetCreatedAt().AsTime().Equal(before) {
					t.Fatalf("%v: review %v (clock was %v)", status, r, before)
				}
				if r.GetAuthorName() != "张**明" || strings.Contains(protojson.Format(r), userID) {
					t.Fatalf("%v: author %q, review %v (user %s)", status, r.GetAuthorName(), r, userID)
				}
				// The masked name is what is stored: it stays even if the nickname changes.
				var stored reviewRow
				if err := f.db.NewSelect().Model(&stored).Where("id = ?", r.GetReviewId()).Scan(ctx); err != nil {
					t.Fatal(err)
				}
				if stored.AuthorName != "张**明" || stored.UserID != userID || !stored.HasImages || stored.OrderID != orderID {
					t.Fatalf("stored %+v", stored)
				}
				// The other line of the same order is a line of its own.
				if other := f.create(t, client, token, orderID, "p-tea", 5); other.GetProductId() != "p-tea" || other.GetImageUrls() != nil {
					t.Fatalf("second line %v", other)
				}
			}
			f.world.mu.Lock()
			calls := f.world.callers["review"]
			f.world.mu.Unlock()
			if calls == 0 {
				t.Fatal("the stand-ins were not called with the review service credential")
			}
		})
	}
}

func TestOnlyTheBuyerOfADeliveredOrderMayReview(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, name := range protocols {
		client := f.clients[name]
		t.Run(name, func(t *testing.T) {
			owner, ownerToken := f.user(t, "Alice")
			_, strangerToken := f.user(t, "Mallory")
			// Not yet delivered, or never will be: the buyer's own order.
			for _, status := range []orderv1.OrderStatus{statusPending, statusPaid, statusShipped, statusCancelled, statusRefunded} {
				orderID := f.order(t, owner, status, "p-tea")
				_, err := client.CreateReview(ctx, testenv.Bearer(ownerToken, &reviewv1.CreateReviewRequest{OrderId: orderID, ProductId: "p-tea", Rating: 5}))
				testenv.WantCode(t, err, connect.CodePermissionDenied, ReasonOrderNotDelivered)
			}
			delivered := f.order(t, owner, statusDelivered, "p-tea")
			// A product the order does not contain.
			_, err := client.CreateReview(ctx, testenv.Bearer(ownerToken, &reviewv1.CreateReviewRequest{OrderId: delivered, ProductId: "p-other", Rating: 5}))
			testenv.WantCode(t, err, connect.CodePermissionDenied, ReasonNotABuyer)

			// Another user's order looks exactly like a missing one, also once
			// its owner reviewed it (no already_exists that would confirm it).
			_, missingErr := client.CreateReview(ctx, testenv.Bearer(strangerToken, &reviewv1.CreateReviewRequest{OrderId: "o-does-not-exist", ProductId: "p-tea", Rating: 5}))
			testenv.WantCode(t, missingErr, connect.CodePermissionDenied, ReasonNotABuyer)
			_, foreignErr := client.CreateReview(ctx, testenv.Bearer(strangerToken, &reviewv1.CreateReviewRequest{OrderId: delivered, ProductId: "p-tea", Rating: 5}))
			testenv.WantCode(t, foreignErr, connect.CodePermissionDenied, ReasonNotABuyer)
			if missingErr.Error() != foreignErr.Error() {
				t.Fatalf("another user's order answers %q, a missing one %q", foreignErr, missingErr)
			}
			f.create(t, client, ownerToken, delivered, "p-tea", 5)
			_, foreignErr = client.CreateReview(ctx, testenv.Bearer(strangerToken, &reviewv1.CreateReviewRequest{OrderId: delivered, ProductId: "p-tea", Rating: 1}))
			testenv.WantCode(t, foreignErr, connect.CodePermissionDenied, ReasonNotABuyer)
			if missingErr.Error() != foreignErr.Error() {
				t.Fatalf("another user's reviewed order answers %q, a missing one %q", foreignErr, missingErr)
			}
			if n := f.countRows(t, "user_id = ?", owner); n != 1 {
				t.Fatalf("%d reviews stored for the owner, want 1", n)
			}
		})
	}
	if n := f.countRows(t, "rating = 1"); n != 0 {
		t.Fatalf("refused reviews were stored: %d", n)
	}
}

func TestAnOrderLineIsReviewedOnceEvenConcurrently(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	for _, name := range protocols {
		client := f.clients[name]
		t.Run(name, func(t *testing.T) {
			_, token, orderID := f.buyer(t, "p-once")
			f.create(t, client, token, orderID, "p-once", 5)
			_, err := client.CreateReview(ctx, testenv.Bearer(token, &reviewv1.CreateReviewRequest{OrderId: orderID, ProductId: "p-once", Rating: 1}))
			testenv.WantCode(t, err, connect.CodeAlreadyExists, ReasonAlreadyReviewed)
		})
	}

	// Ten attempts at one fresh line at once, over both protocols.
	_, token, orderID := f.buyer(t, "p-race")
	var (
		wg              sync.WaitGroup
		mu              sync.Mutex
		created, exists int
	)
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := f.clients[protocols[i%len(protocols)]]
			_, err := client.CreateReview(ctx, testenv.Bearer(token, &reviewv1.CreateReviewRequest{OrderId: orderID, ProductId: "p-race", Rating: int32(i%5 + 1)}))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				created++
			case connect.CodeOf(err) == connect.CodeAlreadyExists:
				exists++
			default:
				t.Errorf("attempt %d: %v", i, err)
			}
		}()
	}
	wg.Wait()
	if created != 1 || exists != 9 {
		t.Fatalf("%d created and %d already_exists, want 1 and 9", created, exists)
	}
	if n := f.countRows(t, "order_id = ? AND product_id = ?", orderID, "p-race"); n != 1 {
		t.Fatalf("%d rows for the line, want 1", n)
	}
	if s := f.summary(t, f.clients["grpc"], "p-race"); s.GetReviewCount() != 1 {
		t.Fatalf("summary after the race %v", s)
	}
}

func TestCallerIdentityComesOnlyFromTheToken(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	userID, token, orderID := f.buyer(t, "p-auth")
	f.create(t, f.clients["grpc"], token, orderID, "p-auth", 5)
	expired, _, err := f.keys.Issue(userID, []string{auth.RoleUser}, -time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	service := f.token(t, "order", auth.RoleService)
	for _, name := range protocols {
		client := f.clients[name]
		t.Run(name, func(t *testing.T) {
			create := &reviewv1.CreateReviewRequest{OrderId: orderID, ProductId: "p-auth", Rating: 5}
			status := &reviewv1.GetReviewStatusRequest{OrderIds: []string{orderID}}
			for _, bad := range []string{"", "garbage", expired} {
				_, err := client.CreateReview(ctx, testenv.Bearer(bad, create))
				testenv.WantCode(t, err, connect.CodeUnauthenticated, "")
				_, err = client.GetReviewStatus(ctx, testenv.Bearer(bad, status))
				testenv.WantCode(t, err, connect.CodeUnauthenticated, "")
			}
			// A service credential is not a user.
			_, err := client.CreateReview(ctx, testenv.Bearer(service, create))
			testenv.WantCode(t, err, connect.CodePermissionDenied, "")
			// The public reads need no token.
			if _, err := client.ListReviews(ctx, connect.NewRequest(&reviewv1.ListReviewsRequest{ProductId: "p-auth"})); err != nil {
				t.Fatal(err)
			}
			if s := f.summary(t, client, "p-auth"); s.GetReviewCount() != 1 {
				t.Fatalf("summary %v", s)
			}
		})
	}
}

func TestInvalidRequestsAreRefusedBeforeAnyWork(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, token, orderID := f.buyer(t, "p-valid")
	tooMany := make([]string, 7)
	for i := range tooMany {
		tooMany[i] = uploads.NewID()
	}
	for _, name := range protocols {
		client := f.clients[name]
		t.Run(name, func(t *testing.T) {
			for _, req := range []*reviewv1.CreateReviewRequest{
				{OrderId: orderID, ProductId: "p-valid", Rating: 0},
				{OrderId: orderID, ProductId: "p-valid", Rating: 6},
				{OrderId: orderID, ProductId: "p-valid", Rating: -1},
				{OrderId: "", ProductId: "p-valid", Rating: 5},
				{OrderId: orderID, ProductId: "", Rating: 5},
				{OrderId: orderID, ProductId: "p-valid", Rating: 5, Text: strings.Repeat("长", 2001)},
				{OrderId: orderID, ProductId: "p-valid", Rating: 5, ImageIds: tooMany},
				{OrderId: orderID, ProductId: "p-valid", Rating: 5, ImageIds: []string{""}},
				{OrderId: orderID, ProductId: "p-valid", Rating: 5, ImageIds: []string{"RI-" + strings.ToUpper(uploads.NewID()[3:])}},
				// Addresses of the caller's choosing are never shown.
				{OrderId: orderID, ProductId: "p-valid", Rating: 5, ImageUrls: []string{"https://tracker.example/pixel.gif"}},
			} {
				_, err := client.CreateReview(ctx, testenv.Bearer(token, req))
				testenv.WantCode(t, err, connect.CodeInvalidArgument, "")
			}
			_, err := client.ListReviews(ctx, connect.NewRequest(&reviewv1.ListReviewsRequest{ProductId: "p-valid", PageSize: 101}))
			testenv.WantCode(t, err, connect.CodeInvalidArgument, "")
			_, err = client.ListReviews(ctx, connect.NewRequest(&reviewv1.ListReviewsRequest{ProductId: "p-valid", Filter: 9}))
			testenv.WantCode(t, err, connect.CodeInvalidArgument, "")
			_, err = client.GetReviewSummary(ctx, connect.NewRequest(&reviewv1.GetReviewSummaryRequest{}))
			testenv.WantCode(t, err, connect.CodeInvalidArgument, "")
			_, err = client.GetReviewStatus(ctx, testenv.Bearer(token, &reviewv1.GetReviewStatusRequest{}))
			testenv.WantCode(t, err, connect.CodeInvalidArgument, "")
			_, err = client.GetReviewStatus(ctx, testenv.Bearer(token, &reviewv1.GetReviewStatusRequest{OrderIds: []string{orderID, orderID}}))
			testenv.WantCode(t, err, connect.CodeInvalidArgument, "")
		})
	}
	if n := f.countRows(t, "1 = 1"); n != 0 {
		t.Fatalf("%d reviews stored from invalid requests", n)
	}
}

func TestDependencyFailuresAnswerUnavailableWithoutTheirText(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, token, orderID := f.buyer(t, "p-down")
	f.world.down.Store(true)
	for _, name := range protocols {
		t.Run(name, func(t *testing.T) {
			_, err := f.clients[name].CreateReview(ctx, testenv.Bearer(token, &reviewv1.CreateReviewRequest{OrderId: orderID, ProductId: "p-down", Rating: 5}))
			testenv.WantCode(t, err, connect.CodeUnavailable, ReasonOrderUnavailable)
			if strings.Contains(err.Error(), "10.0.0.7") || strings.Contains(err.Error(), "password") {
				t.Fatalf("dependency text leaked: %v", err)
			}
		})
	}
	f.world.down.Store(false)

	// A user the user service does not know (anymore) reviews as anonymous.
	ghost := "u-ghost-" + orderID
	ghostOrder := f.order(t, ghost, statusDelivered, "p-down")
	r := f.create(t, f.clients["grpc"], f.token(t, ghost, auth.RoleUser), ghostOrder, "p-down", 3)
	if r.GetAuthorName() != "***" {
		t.Fatalf("unknown user's author name %q", r.GetAuthorName())
	}
	if n := f.countRows(t, "order_id = ?", orderID); n != 0 {
		t.Fatalf("a review was stored while the order service was down")
	}
}

func TestReviewStatusShowsOnlyTheCallersOrders(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	alice, aliceToken := f.user(t, "Alice")
	bob, bobToken := f.user(t, "Bob")
	a1 := f.order(t, alice, statusDelivered, "p1", "p2")
	a2 := f.order(t, alice, statusCompleted, "p3")
	a3 := f.order(t, alice, statusShipped, "p4")
	b1 := f.order(t, bob, statusDelivered, "p1")
	grpc := f.clients["grpc"]
	r1 := f.create(t, grpc, aliceToken, a1, "p2", 5)
	r2 := f.create(t, grpc, aliceToken, a2, "p3", 2)
	rb := f.create(t, grpc, bobToken, b1, "p1", 4)
	for _, name := range protocols {
		client := f.clients[name]
		t.Run(name, func(t *testing.T) {
			res, err := client.GetReviewStatus(ctx, testenv.Bearer(aliceToken, &reviewv1.GetReviewStatusRequest{OrderIds: []string{a1, a2, a3, b1, "o-unknown"}}))
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, l := range res.Msg.GetReviewed() {
				got[l.GetOrderId()+"/"+l.GetProductId()] = l.GetReviewId()
			}
			want := map[string]string{a1 + "/p2": r1.GetReviewId(), a2 + "/p3": r2.GetReviewId()}
			if len(got) != len(want) || got[a1+"/p2"] != want[a1+"/p2"] || got[a2+"/p3"] != want[a2+"/p3"] {
				t.Fatalf("alice sees %v, want %v (bob's %s must not appear)", got, want, rb.GetReviewId())
			}
			// Bob asking about Alice's orders learns nothing.
			res, err = client.GetReviewStatus(ctx, testenv.Bearer(bobToken, &reviewv1.GetReviewStatusRequest{OrderIds: []string{a1, a2}}))
			if err != nil || len(res.Msg.GetReviewed()) != 0 {
				t.Fatalf("bob sees %v %v", res, err)
			}
			res, err = client.GetReviewStatus(ctx, testenv.Bearer(bobToken, &reviewv1.GetReviewStatusRequest{OrderIds: []string{a1, b1}}))
			if err != nil || len(res.Msg.GetReviewed()) != 1 || res.Msg.GetReviewed()[0].GetReviewId() != rb.GetReviewId() {
				t.Fatalf("bob sees %v %v", res, err)
			}
		})
	}
}

func TestMaskName(t *testing.T) {
	for in, want := range map[string]string{
		"":              "***",
		"   ":           "***",
		"张":             "张**",
		"张三":            "张**",
		"张小明":           "张**明",
		"欧阳娜娜":          "欧**娜",
		" alice ":       "a**e",
		"Bo":            "B**",
		"138****8000":   "1**0",
		"u-0b6c9f1e-aa": "u**a",
		"😀x😀":           "😀**😀",
	} {
		if got := maskName(in); got != want {
			t.Errorf("maskName(%q) = %q, want %q", in, got, want)
		}
	}
}
