package order

import (
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	orderv1 "mall/gen/mall/order/v1"
)

func lineInput(product string, unitCents int64, quantity int32) *orderv1.OrderLineInput {
	return &orderv1.OrderLineInput{ProductId: product, CategoryId: "c01", Title: "title " + product, UnitPriceCents: unitCents, Quantity: quantity}
}

// A regular order costs the sum of its lines' unit prices times their
// quantities, as drafted, stored and shown; each line shows its own total.
func TestRegularOrderTotalsItsLines(t *testing.T) {
	at := time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC)
	deadline := time.Date(2026, 11, 28, 8, 15, 0, 123456789, time.FixedZone("CST", 8*3600))
	for _, c := range []struct {
		name       string
		lines      []*orderv1.OrderLineInput
		wantTotal  int64
		wantUnits  int64
		lineTotals []int64
	}{
		{"one line", []*orderv1.OrderLineInput{lineInput("p1", 12900, 1)}, 12900, 1, []int64{12900}},
		{"quantities multiply", []*orderv1.OrderLineInput{lineInput("p1", 12900, 3), lineInput("p2", 999, 2)},
			3*12900 + 2*999, 5, []int64{38700, 1998}},
		{"a free line adds units, not money", []*orderv1.OrderLineInput{lineInput("p1", 0, 4), lineInput("p2", 1, 1)}, 1, 5, []int64{0, 1}},
		// The contract's largest order: 100 lines at the highest price and
		// quantity; the total stays exact in int64.
		{"the largest order the contract allows", slices.Repeat([]*orderv1.OrderLineInput{lineInput("p1", 100_000_000_000, 10_000)}, 100),
			100 * 100_000_000_000 * 10_000, 100 * 10_000, slices.Repeat([]int64{100_000_000_000 * 10_000}, 100)},
	} {
		t.Run(c.name, func(t *testing.T) {
			msg := &orderv1.CreateOrderRequest{OrderId: "o-1", UserId: "u-1", Lines: c.lines, ReservationId: "r-1",
				ShippingAddress: &orderv1.ShippingAddress{RecipientName: "张三", Phone: "13800138000", Province: "浙江", City: "杭州", Detail: "文三路 1 号"},
				PaymentDeadline: timestamppb.New(deadline)}
			row, lines, first, units := draftOrder(msg, at)
			if row.TotalCents != c.wantTotal || units != c.wantUnits {
				t.Fatalf("total %d, units %d; want %d, %d", row.TotalCents, units, c.wantTotal, c.wantUnits)
			}
			if row.Status != int32(orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT) || row.Kind != int32(orderv1.OrderKind_ORDER_KIND_REGULAR) ||
				row.ReservationID != "r-1" || !row.CreatedAt.Equal(at) || !row.UpdatedAt.Equal(at) {
				t.Fatalf("row %+v", row)
			}
			if want := deadline.UTC().Truncate(time.Microsecond); !row.PaymentDeadline.Valid || !row.PaymentDeadline.Time.Equal(want) || row.PaymentDeadline.Time.Location() != time.UTC {
				t.Fatalf("payment deadline %v, want %v as the database stores it", row.PaymentDeadline, want)
			}
			for i, l := range lines {
				if l.LineNo != int32(i+1) || l.OrderID != "o-1" || l.ProductID != c.lines[i].GetProductId() {
					t.Fatalf("line %d: %+v", i, l)
				}
			}
			if first.FromStatus != int32(orderv1.OrderStatus_ORDER_STATUS_UNSPECIFIED) || first.ToStatus != row.Status || !first.OccurredAt.Equal(at) {
				t.Fatalf("first history entry %+v", first)
			}

			shown := orderProto(row, lines, []historyRow{*first})
			if shown.GetTotalCents() != c.wantTotal {
				t.Fatalf("shown total %d, want %d", shown.GetTotalCents(), c.wantTotal)
			}
			var sum int64
			for i, l := range shown.GetLines() {
				if l.GetLineTotalCents() != c.lineTotals[i] || l.GetLineTotalCents() != l.GetUnitPriceCents()*int64(l.GetQuantity()) {
					t.Fatalf("line %d shows total %d, want %d", i, l.GetLineTotalCents(), c.lineTotals[i])
				}
				sum += l.GetLineTotalCents()
			}
			if sum != shown.GetTotalCents() {
				t.Fatalf("lines add up to %d, the order says %d", sum, shown.GetTotalCents())
			}
		})
	}
}

// A flash-sale batch makes one order per purchase, costing the sale price
// times the quantity, reserved under its own id; a purchase written twice
// in one batch is one order, and rows come sorted by id (the lock order).
func TestFlashOrdersArePricedOncePerPurchase(t *testing.T) {
	at := time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC)
	purchase := func(event, user string, unitCents int64, quantity int32) *orderv1.FlashSaleOrderInput {
		return &orderv1.FlashSaleOrderInput{Ticket: event + "." + user, SeckillEventId: event, UserId: user, ProductId: "p-" + event,
			UnitPriceCents: unitCents, Quantity: quantity, AcceptedAt: timestamppb.New(at), PaymentDeadline: timestamppb.New(at.Add(15 * time.Minute))}
	}
	inputs := []*orderv1.FlashSaleOrderInput{
		purchase("ev-1", "alice", 9900, 1),
		purchase("ev-1", "bob", 9900, 2),
		purchase("ev-2", "alice", 1999, 3),
		purchase("ev-1", "alice", 9900, 1), // alice's first purchase again
	}
	ids, rows, lines := flashOrderRows(inputs, at)
	if len(ids) != len(inputs) || ids[0] != ids[3] || ids[0] == ids[1] || ids[0] == ids[2] {
		t.Fatalf("order ids %v: want one per input, the repeat naming the first's order", ids)
	}
	for i, id := range ids {
		if id != FlashOrderID(inputs[i].GetSeckillEventId(), inputs[i].GetUserId()) {
			t.Fatalf("input %d: order id %s", i, id)
		}
	}
	if len(rows) != 3 || len(lines) != 3 {
		t.Fatalf("%d orders and %d lines for 3 distinct purchases", len(rows), len(lines))
	}
	if !slices.IsSortedFunc(rows, func(a, b orderRow) int { return strings.Compare(a.ID, b.ID) }) {
		t.Fatal("orders are not sorted by id")
	}
	want := map[string]int64{ids[0]: 9900, ids[1]: 2 * 9900, ids[2]: 3 * 1999}
	for i, r := range rows {
		if r.TotalCents != want[r.ID] {
			t.Errorf("order %s costs %d, want %d", r.ID, r.TotalCents, want[r.ID])
		}
		if r.ReservationID != r.ID || r.Kind != int32(orderv1.OrderKind_ORDER_KIND_FLASH_SALE) ||
			r.Status != int32(orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT) || !r.SeckillEventID.Valid {
			t.Errorf("order %+v", r)
		}
		l := lines[i]
		if l.OrderID != r.ID || l.LineNo != 1 || l.UnitPriceCents*int64(l.Quantity) != r.TotalCents {
			t.Errorf("line %+v of order %s", l, r.ID)
		}
	}
}
