package product

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"connectrpc.com/connect"

	productv1 "mall/gen/mall/product/v1"
	"mall/services/platform/testenv"
)

// allocatedOf reads a product's four stock columns.
func allocatedOf(t *testing.T, f *fixture, id string) (stockColumns, int64) {
	t.Helper()
	var s stockColumns
	var allocated int64
	if err := f.db.NewSelect().Table("products").Column("stock", "reserved", "sold", "allocated").Where("id = ?", id).
		Scan(context.Background(), &s.Stock, &s.Reserved, &s.Sold, &allocated); err != nil {
		t.Fatal(err)
	}
	return s, allocated
}

// conserved fails the test unless available + reserved + sold + allocated
// is initial and no column is negative.
func conserved(t *testing.T, f *fixture, id string, initial int64) (stockColumns, int64) {
	t.Helper()
	s, allocated := allocatedOf(t, f, id)
	if s.Stock < 0 || s.Reserved < 0 || s.Sold < 0 || allocated < 0 || s.Stock+s.Reserved+s.Sold+allocated != initial {
		t.Fatalf("%s: available %d + reserved %d + sold %d + allocated %d, want %d in all", id, s.Stock, s.Reserved, s.Sold, allocated, initial)
	}
	return s, allocated
}

// A sale cannot take more than is available, whatever checkouts hold;
// the refused allocation takes nothing, and its id stays free.
func TestAnAllocationCannotTakeMoreThanIsAvailable(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	const product = "p0030"
	if _, err := f.svc.SetStock(ctx, connect.NewRequest(&productv1.SetStockRequest{ProductId: product, Stock: 284})); err != nil {
		t.Fatal(err)
	}
	client, token := f.clients["grpc"], f.service(t)
	_, err := client.AllocateStock(ctx, testenv.Bearer(token, &productv1.AllocateStockRequest{AllocationId: "ev-huge", ProductId: product, Quantity: 1000000}))
	testenv.WantCode(t, err, connect.CodeFailedPrecondition, ReasonOutOfStock)
	if _, err := f.svc.ReserveStock(ctx, connect.NewRequest(&productv1.ReserveStockRequest{ReservationId: "r-held", Lines: []*productv1.StockLine{{ProductId: product, Quantity: 100}}})); err != nil {
		t.Fatal(err)
	}
	// 184 are available now: 185 is refused, 184 is taken whole.
	_, err = client.AllocateStock(ctx, testenv.Bearer(token, &productv1.AllocateStockRequest{AllocationId: "ev-over", ProductId: product, Quantity: 185}))
	testenv.WantCode(t, err, connect.CodeFailedPrecondition, ReasonOutOfStock)
	conserved(t, f, product, 284)
	res, err := client.AllocateStock(ctx, testenv.Bearer(token, &productv1.AllocateStockRequest{AllocationId: "ev-over", ProductId: product, Quantity: 184}))
	if err != nil || res.Msg.GetAllocation().GetState() != productv1.AllocationState_ALLOCATION_STATE_ALLOCATED {
		t.Fatalf("allocate what is available: %v %v", res, err)
	}
	if s, allocated := conserved(t, f, product, 284); s.Stock != 0 || allocated != 184 {
		t.Fatalf("after allocating: %+v allocated %d", s, allocated)
	}
	// Checkout can no longer reserve the allocated units.
	_, err = f.svc.ReserveStock(ctx, connect.NewRequest(&productv1.ReserveStockRequest{ReservationId: "r-late", Lines: []*productv1.StockLine{{ProductId: product, Quantity: 1}}}))
	testenv.WantCode(t, err, connect.CodeFailedPrecondition, ReasonOutOfStock)
	// A repeat is the same allocation; the id for another quantity is a conflict.
	if again, err := f.svc.AllocateStock(ctx, connect.NewRequest(&productv1.AllocateStockRequest{AllocationId: "ev-over", ProductId: product, Quantity: 184})); err != nil || again.Msg.GetAllocation().GetQuantity() != 184 {
		t.Fatalf("repeat: %v %v", again, err)
	}
	_, err = f.svc.AllocateStock(ctx, connect.NewRequest(&productv1.AllocateStockRequest{AllocationId: "ev-over", ProductId: product, Quantity: 1}))
	testenv.WantCode(t, err, connect.CodeAlreadyExists, ReasonAllocationConflict)
	conserved(t, f, product, 284)
	// Off shelf: nothing to allocate.
	if _, err := f.db.NewUpdate().Table("products").Set("status = ?", statusOffShelf).Where("id = ?", "p0031").Exec(ctx); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.AllocateStock(ctx, connect.NewRequest(&productv1.AllocateStockRequest{AllocationId: "ev-off", ProductId: "p0031", Quantity: 1}))
	testenv.WantCode(t, err, connect.CodeFailedPrecondition, ReasonProductOffShelf)
	_, err = f.svc.AllocateStock(ctx, connect.NewRequest(&productv1.AllocateStockRequest{AllocationId: "ev-none", ProductId: "p9999", Quantity: 1}))
	testenv.WantCode(t, err, connect.CodeNotFound, ReasonProductNotFound)
	// Only services allocate.
	_, err = client.AllocateStock(ctx, testenv.Bearer(f.admin, &productv1.AllocateStockRequest{AllocationId: "ev-admin", ProductId: product, Quantity: 1}))
	testenv.WantCode(t, err, connect.CodePermissionDenied, "")
	user := testenv.Token(t, f.keys, "u-1", "user")
	_, err = client.ReturnAllocation(ctx, testenv.Bearer(user, &productv1.ReturnAllocationRequest{AllocationId: "ev-over"}))
	testenv.WantCode(t, err, connect.CodePermissionDenied, "")
}

// Sales and checkouts racing for one product never take more than it has,
// and every unit is in exactly one column at the end.
func TestAllocationsAndReservationsRacingConserveStock(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	const product, initial = "p0032", 200
	if _, err := f.svc.SetStock(ctx, connect.NewRequest(&productv1.SetStockRequest{ProductId: product, Stock: initial})); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	taken := map[string]int64{}
	for i := range 60 {
		wg.Go(func() {
			var err error
			kind := "reserved"
			if i%3 == 0 {
				kind = "allocated"
				_, err = f.svc.AllocateStock(ctx, connect.NewRequest(&productv1.AllocateStockRequest{AllocationId: fmt.Sprintf("ev-%d", i), ProductId: product, Quantity: 9}))
			} else {
				_, err = f.svc.ReserveStock(ctx, connect.NewRequest(&productv1.ReserveStockRequest{ReservationId: fmt.Sprintf("r-%d", i), Lines: []*productv1.StockLine{{ProductId: product, Quantity: 4}}}))
			}
			switch {
			case connect.CodeOf(err) == connect.CodeFailedPrecondition:
				kind = "refused"
			case err != nil:
				t.Errorf("%d: %v", i, err)
				return
			}
			mu.Lock()
			taken[kind]++
			mu.Unlock()
		})
	}
	wg.Wait()
	s, allocated := conserved(t, f, product, initial)
	if taken["refused"] == 0 || s.Reserved != 4*taken["reserved"] || allocated != 9*taken["allocated"] {
		t.Fatalf("outcomes %v, columns %+v allocated %d", taken, s, allocated)
	}
}

// A paid order's confirm and a cancelled order's release of the same units
// race: exactly one wins, the loser is refused, and an order is never both
// sold and given back to the sale. Confirmations stop at the allocation,
// and nothing is confirmed once it was returned.
func TestConfirmAndReleaseOfAnOrderAreExclusive(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	const product, initial = "p0033", 50
	if _, err := f.svc.SetStock(ctx, connect.NewRequest(&productv1.SetStockRequest{ProductId: product, Stock: initial})); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.AllocateStock(ctx, connect.NewRequest(&productv1.AllocateStockRequest{AllocationId: "ev-race", ProductId: product, Quantity: 20})); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	outcome := map[string]string{}
	for i := range 20 {
		order := fmt.Sprintf("o-%02d", i)
		for _, op := range []string{"confirm", "release", "confirm", "release"} {
			wg.Go(func() {
				var err error
				if op == "confirm" {
					_, err = f.svc.ConfirmAllocatedStock(ctx, connect.NewRequest(&productv1.ConfirmAllocatedStockRequest{AllocationId: "ev-race", OrderId: order, Quantity: 1}))
				} else {
					_, err = f.svc.ReleaseAllocatedStock(ctx, connect.NewRequest(&productv1.ReleaseAllocatedStockRequest{AllocationId: "ev-race", OrderId: order, Quantity: 1}))
				}
				if err != nil && connect.CodeOf(err) != connect.CodeFailedPrecondition {
					t.Errorf("%s %s: %v", op, order, err)
					return
				}
				if err == nil {
					mu.Lock()
					if won, ok := outcome[order]; ok && won != op {
						t.Errorf("%s: both %s and %s succeeded", order, won, op)
					}
					outcome[order] = op
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	confirmed := int64(0)
	for _, op := range outcome {
		if op == "confirm" {
			confirmed++
		}
	}
	if len(outcome) != 20 {
		t.Fatalf("outcomes %v", outcome)
	}
	s, allocated := conserved(t, f, product, initial)
	if s.Sold != confirmed || allocated != 20-confirmed || s.Stock != initial-20 {
		t.Fatalf("%d confirmed: %+v allocated %d", confirmed, s, allocated)
	}
	// A refund of a confirmed order returns its unit to available, once.
	for order, op := range outcome {
		if op != "confirm" {
			continue
		}
		for range 2 {
			if _, err := f.svc.ReleaseReservation(ctx, connect.NewRequest(&productv1.ReleaseReservationRequest{ReservationId: order})); err != nil {
				t.Fatal(err)
			}
		}
		if s, _ := conserved(t, f, product, initial); s.Stock != initial-20+1 || s.Sold != confirmed-1 {
			t.Fatalf("after refunding %s: %+v", order, s)
		}
		break
	}
	// More than what is left is refused.
	left := 20 - confirmed
	_, err := f.svc.ConfirmAllocatedStock(ctx, connect.NewRequest(&productv1.ConfirmAllocatedStockRequest{AllocationId: "ev-race", OrderId: "o-big", Quantity: int32(left + 1)}))
	testenv.WantCode(t, err, connect.CodeFailedPrecondition, ReasonAllocationExhausted)
	// Settling returns what is left, once; then nothing more is confirmed.
	for range 2 {
		res, err := f.svc.ReturnAllocation(ctx, connect.NewRequest(&productv1.ReturnAllocationRequest{AllocationId: "ev-race"}))
		if err != nil || res.Msg.GetAllocation().GetReturned() != left || res.Msg.GetAllocation().GetState() != productv1.AllocationState_ALLOCATION_STATE_RETURNED {
			t.Fatalf("return: %v %v", res, err)
		}
	}
	if s, allocated := conserved(t, f, product, initial); allocated != 0 || s.Stock != initial-confirmed+1 {
		t.Fatalf("after the return: %+v allocated %d", s, allocated)
	}
	_, err = f.svc.ConfirmAllocatedStock(ctx, connect.NewRequest(&productv1.ConfirmAllocatedStockRequest{AllocationId: "ev-race", OrderId: "o-after", Quantity: 1}))
	testenv.WantCode(t, err, connect.CodeFailedPrecondition, ReasonAllocationReturned)
	conserved(t, f, product, initial)
}

// An allocation id returned before it was ever allocated (a sale whose
// creation failed in doubt) can no longer take stock, so a late or
// retried AllocateStock cannot leak units.
func TestAReturnedIDCannotBeAllocatedLater(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	const product = "p0034"
	before, allocatedBefore := allocatedOf(t, f, product)
	res, err := f.svc.ReturnAllocation(ctx, connect.NewRequest(&productv1.ReturnAllocationRequest{AllocationId: "ev-doubt"}))
	if err != nil || res.Msg.GetAllocation().GetReturned() != 0 || res.Msg.GetAllocation().GetState() != productv1.AllocationState_ALLOCATION_STATE_RETURNED {
		t.Fatalf("return of an unknown id: %v %v", res, err)
	}
	_, err = f.svc.AllocateStock(ctx, connect.NewRequest(&productv1.AllocateStockRequest{AllocationId: "ev-doubt", ProductId: product, Quantity: 5}))
	testenv.WantCode(t, err, connect.CodeFailedPrecondition, ReasonAllocationReturned)
	if after, allocated := allocatedOf(t, f, product); after != before || allocated != allocatedBefore {
		t.Fatalf("stock moved: %+v %d, was %+v %d", after, allocated, before, allocatedBefore)
	}
}

// A sale in preview changes its units: the difference moves between
// available and allocated, never beyond what is available, and racing
// resizes leave every unit in one column; once units were sold, or the
// allocation was returned, its size is fixed.
func TestResizeAllocationMovesOnlyTheDifference(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	const product = "p0035"
	if _, err := f.svc.SetStock(ctx, connect.NewRequest(&productv1.SetStockRequest{ProductId: product, Stock: 100})); err != nil {
		t.Fatal(err)
	}
	client, token := f.clients["grpc"], f.service(t)
	if _, err := client.AllocateStock(ctx, testenv.Bearer(token, &productv1.AllocateStockRequest{AllocationId: "ev-resize", ProductId: product, Quantity: 40})); err != nil {
		t.Fatal(err)
	}
	resize := func(quantity int64) error {
		_, err := client.ResizeAllocation(ctx, testenv.Bearer(token, &productv1.ResizeAllocationRequest{AllocationId: "ev-resize", Quantity: quantity}))
		return err
	}
	if err := resize(70); err != nil {
		t.Fatal(err)
	}
	if s, allocated := conserved(t, f, product, 100); s.Stock != 30 || allocated != 70 {
		t.Fatalf("grown: %+v allocated %d", s, allocated)
	}
	testenv.WantCode(t, resize(101), connect.CodeFailedPrecondition, ReasonOutOfStock)
	if err := resize(10); err != nil {
		t.Fatal(err)
	}
	if s, allocated := conserved(t, f, product, 100); s.Stock != 90 || allocated != 10 {
		t.Fatalf("shrunk: %+v allocated %d", s, allocated)
	}
	var wg sync.WaitGroup
	for i := range 30 {
		wg.Go(func() { _ = resize(int64(1 + i*3)) })
	}
	wg.Wait()
	res, err := f.svc.ReturnAllocation(ctx, connect.NewRequest(&productv1.ReturnAllocationRequest{AllocationId: "ev-resize"}))
	if err != nil {
		t.Fatal(err)
	}
	if s, allocated := conserved(t, f, product, 100); s.Stock != 100 || allocated != 0 || res.Msg.GetAllocation().GetReturned() != res.Msg.GetAllocation().GetQuantity() {
		t.Fatalf("after racing resizes and the return: %+v allocated %d, %v", s, allocated, res.Msg.GetAllocation())
	}
	testenv.WantCode(t, resize(5), connect.CodeFailedPrecondition, ReasonAllocationReturned)
	_, err = client.ResizeAllocation(ctx, testenv.Bearer(token, &productv1.ResizeAllocationRequest{AllocationId: "ev-unknown", Quantity: 5}))
	testenv.WantCode(t, err, connect.CodeNotFound, ReasonAllocationNotFound)

	if _, err := client.AllocateStock(ctx, testenv.Bearer(token, &productv1.AllocateStockRequest{AllocationId: "ev-selling", ProductId: product, Quantity: 5})); err != nil {
		t.Fatal(err)
	}
	if _, err := client.ConfirmAllocatedStock(ctx, testenv.Bearer(token, &productv1.ConfirmAllocatedStockRequest{AllocationId: "ev-selling", OrderId: "o-1", Quantity: 1})); err != nil {
		t.Fatal(err)
	}
	_, err = client.ResizeAllocation(ctx, testenv.Bearer(token, &productv1.ResizeAllocationRequest{AllocationId: "ev-selling", Quantity: 3}))
	testenv.WantCode(t, err, connect.CodeFailedPrecondition, ReasonUnitsConfirmed)
	_, err = client.ResizeAllocation(ctx, testenv.Bearer(f.admin, &productv1.ResizeAllocationRequest{AllocationId: "ev-selling", Quantity: 3}))
	testenv.WantCode(t, err, connect.CodePermissionDenied, "")
}
