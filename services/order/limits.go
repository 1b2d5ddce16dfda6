package order

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strconv"
	"strings"
	"time"

	"connectrpc.com/connect"
	"github.com/uptrace/bun"

	orderv1 "mall/gen/mall/order/v1"
	"mall/services/platform/ratelimit"
	"mall/services/platform/rpcerr"
	"mall/workflows/checkout"
)

// Defaults of the per-buyer limits. An unpaid order holds its stock until
// its payment deadline: without a bound, one buyer could take a product's
// whole stock off the shelf by checking out and never paying.
const (
	DefaultMaxUnpaidOrders = 10
	DefaultMaxUnpaidUnits  = 50
)

// DefaultCheckoutLimit is how often one buyer may start checkouts: each
// one starts a saga.
var DefaultCheckoutLimit = ratelimit.Limit{Burst: 10, Period: time.Minute}

// admitCheckout refuses a checkout the buyer may not start now: too many
// started in a short time, or already at a cap on unpaid orders or units.
// The caps are checked again, exactly, when the saga creates the order.
func (s *Service) admitCheckout(ctx context.Context, userID string, req *orderv1.CheckoutRequest) error {
	wait, err := s.limiter.Allow(ctx, userID, s.opts.CheckoutLimit)
	if err != nil {
		return err
	}
	if wait > 0 {
		return ratelimit.Exhausted("too many checkouts in a short time; retry later", wait)
	}
	units := int64(1) // a cart's quantities are known to the saga only
	if buyNow := req.GetBuyNow(); buyNow != nil {
		units = int64(buyNow.GetQuantity())
	}
	return s.checkHoldings(ctx, s.db, userID, units, connect.CodeResourceExhausted)
}

// checkHoldings refuses units more on a new order when the buyer's unpaid
// orders would pass a cap, with code (resource_exhausted for the buyer's
// call, failed_precondition inside the saga, which must not retry it).
func (s *Service) checkHoldings(ctx context.Context, db bun.IDB, userID string, units int64, code connect.Code) error {
	orders, held, err := unpaidHoldings(ctx, db, userID)
	if err != nil {
		return err
	}
	if orders >= int64(s.opts.MaxUnpaidOrders) {
		return rpcerr.NewWithMetadata(code, ReasonUnpaidOrdersLimit, "you have "+strconv.FormatInt(orders, 10)+
			" unpaid orders; pay or cancel one before placing another", limitMetadata(int64(s.opts.MaxUnpaidOrders), orders))
	}
	if held+units > s.opts.MaxUnpaidUnits {
		return rpcerr.NewWithMetadata(code, ReasonUnpaidUnitsLimit, "at most "+strconv.FormatInt(s.opts.MaxUnpaidUnits, 10)+
			" items may wait for payment at once; pay or cancel an order first", limitMetadata(s.opts.MaxUnpaidUnits, held))
	}
	return nil
}

// limitMetadata is what a limit's refusal tells the client besides its
// reason, so the page can say "at most 10 unpaid orders (you have 10)":
// the limit and how much of it the buyer holds now.
func limitMetadata(limit, current int64) map[string]string {
	return map[string]string{"limit": strconv.FormatInt(limit, 10), "current": strconv.FormatInt(current, 10)}
}

// requestFingerprint names what a checkout asked for (address and items,
// cart products in any order), so a retry with the same request id can be
// told from a different checkout reusing it.
func requestFingerprint(req *orderv1.CheckoutRequest) string {
	var b strings.Builder
	b.WriteString(req.GetAddressId())
	if buyNow := req.GetBuyNow(); buyNow != nil {
		b.WriteString("\x00buy\x00" + buyNow.GetProductId() + "\x00" + strconv.Itoa(int(buyNow.GetQuantity())))
	} else {
		ids := slices.Clone(req.GetCart().GetProductIds())
		slices.Sort(ids)
		b.WriteString("\x00cart\x00" + strings.Join(slices.Compact(ids), "\x00"))
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:16])
}

// startedCheckout reports whether the checkout saga of orderID has been
// started, and refuses (already_exists) when it was started for another
// request than fingerprint. A saga started before fingerprints were kept,
// or one Temporal cannot describe now, is taken as the same request.
func (s *Service) startedCheckout(ctx context.Context, orderID, fingerprint string) (bool, error) {
	desc, err := s.temporal.DescribeWorkflow(ctx, checkout.WorkflowID(orderID), "")
	if isWorkflowNotFound(err) {
		return false, nil
	}
	if err != nil {
		s.logger.WarnContext(ctx, "describe checkout workflow", "order_id", orderID, "err", err)
		return false, nil
	}
	if stored, ok := memoString(desc.RawResponse.GetWorkflowExecutionInfo().GetMemo().GetFields()[memoRequest]); ok && stored != fingerprint {
		return true, rpcerr.New(connect.CodeAlreadyExists, ReasonRequestIDReused,
			"this request_id was already used for a checkout of other items or another address; use a new request_id")
	}
	return true, nil
}
