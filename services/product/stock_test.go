package product

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"connectrpc.com/connect"

	productv1 "mall/gen/mall/product/v1"
	"mall/services/platform/testenv"
)

type stockColumns struct{ Stock, Reserved, Sold int64 }

func readStock(t *testing.T, f *fixture, id string) stockColumns {
	t.Helper()
	var s stockColumns
	if err := f.db.NewSelect().Table("products").Column("stock", "reserved", "sold").Where("id = ?", id).Scan(context.Background(), &s.Stock, &s.Reserved, &s.Sold); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConcurrentReservationsConserveStockAndNeverOversell(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	const initial = 100
	products := []string{"p0010", "p0011", "p0012"}
	for _, id := range products {
		if _, err := f.svc.SetStock(ctx, connect.NewRequest(&productv1.SetStockRequest{ProductId: id, Stock: initial})); err != nil {
			t.Fatal(err)
		}
	}
	client := f.clients["grpc"]
	token := f.service(t)

	var wg sync.WaitGroup
	var mu sync.Mutex
	outcomes := map[string]int{}
	for i := range 120 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(i), 7))
			id := fmt.Sprintf("r-%d", i)
			// Two products per reservation, in either order: row locks must
			// not deadlock.
			a, b := products[rng.IntN(3)], products[rng.IntN(3)]
			lines := []*productv1.StockLine{{ProductId: a, Quantity: int32(1 + rng.IntN(4))}, {ProductId: b, Quantity: int32(1 + rng.IntN(4))}}
			_, err := client.ReserveStock(ctx, testenv.Bearer(token, &productv1.ReserveStockRequest{ReservationId: id, Lines: lines}))
			outcome := "reserved"
			switch {
			case connect.CodeOf(err) == connect.CodeFailedPrecondition:
				outcome = "out of stock"
			case err != nil:
				t.Errorf("reserve %s: %v", id, err)
				return
			default:
				// Retried reservation: same answer, nothing reserved twice.
				if _, err := client.ReserveStock(ctx, testenv.Bearer(token, &productv1.ReserveStockRequest{ReservationId: id, Lines: lines})); err != nil {
					t.Errorf("retry %s: %v", id, err)
				}
				switch rng.IntN(3) {
				case 0:
					_, err = client.ConfirmReservation(ctx, testenv.Bearer(token, &productv1.ConfirmReservationRequest{ReservationId: id}))
					outcome = "confirmed"
				case 1:
					_, err = client.ReleaseReservation(ctx, testenv.Bearer(token, &productv1.ReleaseReservationRequest{ReservationId: id}))
					outcome = "released"
				}
				if err != nil {
					t.Errorf("%s %s: %v", outcome, id, err)
				}
			}
			mu.Lock()
			outcomes[outcome]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	t.Logf("outcomes: %v", outcomes)
	if outcomes["out of stock"] == 0 || outcomes["confirmed"] == 0 || outcomes["released"] == 0 {
		t.Fatalf("the run did not exercise every path: %v", outcomes)
	}
	for _, id := range products {
		s := readStock(t, f, id)
		if s.Stock < 0 || s.Reserved < 0 || s.Sold < 0 {
			t.Fatalf("%s went negative: %+v", id, s)
		}
		if total := s.Stock + s.Reserved + s.Sold; total != initial {
			t.Fatalf("%s: available %d + reserved %d + sold %d = %d, want %d", id, s.Stock, s.Reserved, s.Sold, total, initial)
		}
	}
}

func TestReservationLifecycleIsIdempotent(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.svc.SetStock(ctx, connect.NewRequest(&productv1.SetStockRequest{ProductId: "p0020", Stock: 10})); err != nil {
		t.Fatal(err)
	}
	lines := []*productv1.StockLine{{ProductId: "p0020", Quantity: 4}}
	if _, err := f.svc.ReserveStock(ctx, connect.NewRequest(&productv1.ReserveStockRequest{ReservationId: "r1", Lines: lines})); err != nil {
		t.Fatal(err)
	}
	if s := readStock(t, f, "p0020"); s != (stockColumns{6, 4, 0}) {
		t.Fatalf("after reserve %+v", s)
	}
	// Same id, other lines: refused, nothing changes.
	if _, err := f.svc.ReserveStock(ctx, connect.NewRequest(&productv1.ReserveStockRequest{ReservationId: "r1", Lines: []*productv1.StockLine{{ProductId: "p0020", Quantity: 1}}})); connect.CodeOf(err) != connect.CodeAlreadyExists {
		t.Fatalf("conflicting reuse of r1: %v", err)
	}
	for range 2 {
		res, err := f.svc.ReleaseReservation(ctx, connect.NewRequest(&productv1.ReleaseReservationRequest{ReservationId: "r1"}))
		if err != nil || res.Msg.GetReservation().GetState() != productv1.ReservationState_RESERVATION_STATE_RELEASED {
			t.Fatalf("release: %v %v", res, err)
		}
	}
	if s := readStock(t, f, "p0020"); s != (stockColumns{10, 0, 0}) {
		t.Fatalf("released twice: %+v", s)
	}
	if _, err := f.svc.ConfirmReservation(ctx, connect.NewRequest(&productv1.ConfirmReservationRequest{ReservationId: "r1"})); connect.CodeOf(err) != connect.CodeFailedPrecondition {
		t.Fatalf("confirm after release: %v", err)
	}
	if s := readStock(t, f, "p0020"); s != (stockColumns{10, 0, 0}) {
		t.Fatalf("confirm after release changed stock: %+v", s)
	}
	// Confirmed, then released for a refund: sold stock returns to available.
	if _, err := f.svc.ReserveStock(ctx, connect.NewRequest(&productv1.ReserveStockRequest{ReservationId: "r2", Lines: lines})); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if _, err := f.svc.ConfirmReservation(ctx, connect.NewRequest(&productv1.ConfirmReservationRequest{ReservationId: "r2"})); err != nil {
			t.Fatal(err)
		}
	}
	if s := readStock(t, f, "p0020"); s != (stockColumns{6, 0, 4}) {
		t.Fatalf("confirmed twice: %+v", s)
	}
	if _, err := f.svc.ReleaseReservation(ctx, connect.NewRequest(&productv1.ReleaseReservationRequest{ReservationId: "r2"})); err != nil {
		t.Fatal(err)
	}
	if s := readStock(t, f, "p0020"); s != (stockColumns{10, 0, 0}) {
		t.Fatalf("refund release: %+v", s)
	}
	if res, err := f.svc.ReleaseReservation(ctx, connect.NewRequest(&productv1.ReleaseReservationRequest{ReservationId: "never-made"})); err != nil || res.Msg.GetReservation() != nil {
		t.Fatalf("releasing an unknown reservation: %v %v", res, err)
	}
	// An attempt that arrives after its saga gave up and released (it timed
	// out at the saga and completes now) reserves nothing: the id is
	// released, and the answer says so.
	late, err := f.svc.ReserveStock(ctx, connect.NewRequest(&productv1.ReserveStockRequest{ReservationId: "never-made",
		Lines: []*productv1.StockLine{{ProductId: "p0020", Quantity: 2}}}))
	if err != nil || late.Msg.GetReservation().GetState() != productv1.ReservationState_RESERVATION_STATE_RELEASED {
		t.Fatalf("a late reservation after the release: %v %v", late, err)
	}
	if s := readStock(t, f, "p0020"); s != (stockColumns{10, 0, 0}) {
		t.Fatalf("a late reservation held stock: %+v", s)
	}
	// More than available: refused whole, nothing held.
	_, err = f.svc.ReserveStock(ctx, connect.NewRequest(&productv1.ReserveStockRequest{ReservationId: "r3", Lines: []*productv1.StockLine{{ProductId: "p0020", Quantity: 3}, {ProductId: "p0021", Quantity: 100000}}}))
	if connect.CodeOf(err) != connect.CodeFailedPrecondition {
		t.Fatalf("oversized reservation: %v", err)
	}
	if s := readStock(t, f, "p0020"); s != (stockColumns{10, 0, 0}) {
		t.Fatalf("failed reservation held stock: %+v", s)
	}
	// The product page shows the new stock at once (cache invalidated).
	if p, err := f.svc.GetProduct(ctx, connect.NewRequest(&productv1.GetProductRequest{ProductId: "p0020"})); err != nil || p.Msg.GetProduct().GetStock() != 10 {
		t.Fatalf("cached stock %v %v", p, err)
	}
}

func TestStockAndAdminRPCsNeedTheRightCredential(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	user, _, _ := f.keys.Issue("u1", []string{"user"}, 3600e9)
	client := f.clients["connect-json"]
	_, err := client.ReserveStock(ctx, testenv.Bearer(f.admin, &productv1.ReserveStockRequest{ReservationId: "x", Lines: []*productv1.StockLine{{ProductId: "p0001", Quantity: 1}}}))
	if connect.CodeOf(err) != connect.CodePermissionDenied {
		t.Fatalf("admin reserving stock: %v", err)
	}
	_, err = client.SetStock(ctx, testenv.Bearer(user, &productv1.SetStockRequest{ProductId: "p0001", Stock: 1}))
	if connect.CodeOf(err) != connect.CodePermissionDenied {
		t.Fatalf("user setting stock: %v", err)
	}
	res, err := client.SetStock(ctx, testenv.Bearer(f.admin, &productv1.SetStockRequest{ProductId: "p0001", Stock: 77}))
	if err != nil || res.Msg.GetProduct().GetStock() != 77 {
		t.Fatalf("admin set stock: %v %v", res, err)
	}
}
