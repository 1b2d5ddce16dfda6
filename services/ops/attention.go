package ops

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"connectrpc.com/connect"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	opsv1 "mall/gen/mall/ops/v1"
	orderv1 "mall/gen/mall/order/v1"
	"mall/services/platform/audit"
	"mall/services/platform/auth"
	"mall/services/platform/rpcerr"
	"mall/workflows/cancellation"
	"mall/workflows/checkout"
	"mall/workflows/payment"
)

// attentionItems is the gauge an alert rule watches: the unhandled items
// of each kind as the last scan found them.
var attentionItems = promauto.NewGaugeVec(prometheus.GaugeOpts{
	Name: "mall_attention_items",
	Help: "Items of the operators' attention list not marked handled, by kind (refund_refused, payment_stuck, workflow_retrying), as of the last scan.",
}, []string{"kind"})

// kindLabel is a kind's label value on mall_attention_items.
func kindLabel(kind opsv1.AttentionKind) string {
	return strings.ToLower(strings.TrimPrefix(kind.String(), "ATTENTION_KIND_"))
}

var kinds = []opsv1.AttentionKind{opsv1.AttentionKind_ATTENTION_KIND_REFUND_REFUSED,
	opsv1.AttentionKind_ATTENTION_KIND_PAYMENT_STUCK, opsv1.AttentionKind_ATTENTION_KIND_WORKFLOW_RETRYING}

// Reason codes of the items.
const (
	CodeRefundRefused        = "REFUND_REFUSED"
	CodePaymentDeadline      = "PAYMENT_DEADLINE_PASSED"
	CodeActivityRetrying     = "ACTIVITY_RETRYING"
	CodeWorkflowTaskRetrying = "WORKFLOW_TASK_RETRYING"
)

// workflowTask is the activity_type of a retrying workflow task.
const workflowTask = "workflow task"

// itemID names an item by its kind, what it is about and since when: the
// same trouble keeps its id while it stands, a new occurrence gets another.
func itemID(kind opsv1.AttentionKind, subject string, since time.Time) string {
	sum := sha256.Sum256([]byte(kind.String() + "\x00" + subject + "\x00" + since.UTC().Format(time.RFC3339Nano)))
	return hex.EncodeToString(sum[:16])
}

// ListAttention lists what needs a person now, oldest first.
func (s *Service) ListAttention(ctx context.Context, req *connect.Request[opsv1.ListAttentionRequest]) (*connect.Response[opsv1.ListAttentionResponse], error) {
	items, incomplete, err := s.attention(ctx)
	if err != nil {
		return nil, err
	}
	res := &opsv1.ListAttentionResponse{TemporalUiUrl: s.opts.TemporalUIURL, TemporalNamespace: s.opts.TemporalNamespace, Incomplete: incomplete}
	for _, item := range items {
		if !item.GetHandled() || req.Msg.GetIncludeHandled() {
			res.Items = append(res.Items, item)
		}
	}
	return connect.NewResponse(res), nil
}

// attention collects every standing item with the marks left on them, and
// sets the gauge from the unhandled ones of each kind read completely. An
// order service that does not answer fails the listing; Temporal that does
// not answer leaves the workflow items out (incomplete).
func (s *Service) attention(ctx context.Context) ([]*opsv1.AttentionItem, []opsv1.AttentionKind, error) {
	var items []*opsv1.AttentionItem
	refused, err := s.refusedRefunds(ctx)
	if err != nil {
		return nil, nil, err
	}
	items = append(items, refused...)
	stuck, err := s.stuckPayments(ctx)
	if err != nil {
		return nil, nil, err
	}
	items = append(items, stuck...)
	var incomplete []opsv1.AttentionKind
	retrying, err := s.cachedRetrying(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil, ctx.Err()
		}
		s.logger.WarnContext(ctx, "attention: open workflows not read", "err", err)
		incomplete = append(incomplete, opsv1.AttentionKind_ATTENTION_KIND_WORKFLOW_RETRYING)
	}
	items = append(items, retrying...)
	s.fillRunIDs(ctx, items)

	ids := make([]string, len(items))
	for i, item := range items {
		ids[i] = item.GetItemId()
	}
	marks, err := selectMarks(ctx, s.db, ids)
	if err != nil {
		return nil, nil, err
	}
	counts := map[opsv1.AttentionKind]int{}
	for _, item := range items {
		if mark, ok := marks[item.GetItemId()]; ok {
			applyMark(item, &mark)
		} else {
			counts[item.GetKind()]++
		}
	}
	for _, kind := range kinds {
		if !slices.Contains(incomplete, kind) {
			attentionItems.WithLabelValues(kindLabel(kind)).Set(float64(counts[kind]))
		}
	}
	slices.SortStableFunc(items, func(a, b *opsv1.AttentionItem) int {
		return cmp.Or(a.GetSince().AsTime().Compare(b.GetSince().AsTime()), strings.Compare(a.GetItemId(), b.GetItemId()))
	})
	return items, incomplete, nil
}

// refreshGauge is one scan: the listing, for its effect on the gauge.
func (s *Service) refreshGauge(ctx context.Context) (int, error) {
	items, _, err := s.attention(ctx)
	return len(items), err
}

func applyMark(item *opsv1.AttentionItem, mark *markRow) {
	item.Handled, item.HandledNote, item.HandledBy = true, mark.Note, mark.HandledBy
	item.HandledAt = timestamppb.New(mark.HandledAt)
}

// ordersWhere reads up to MaxItemsPerKind orders matching req, newest first.
func (s *Service) ordersWhere(ctx context.Context, req *orderv1.ListOrdersInternalRequest) ([]*orderv1.Order, error) {
	var orders []*orderv1.Order
	req.PageSize = int32(min(s.opts.MaxItemsPerKind, 1000))
	for {
		res, err := s.orders.ListOrdersInternal(ctx, connect.NewRequest(req))
		if err != nil {
			reason, message := errOrderUnavailable()
			return nil, rpcerr.Upstream(ctx, s.logger, "OrderService.ListOrdersInternal", err, reason, message)
		}
		orders = append(orders, res.Msg.GetOrders()...)
		req.PageToken = res.Msg.GetNextPageToken()
		if req.PageToken == "" || len(orders) >= s.opts.MaxItemsPerKind {
			return orders[:min(len(orders), s.opts.MaxItemsPerKind)], nil
		}
	}
}

// refusedRefunds are the PAID orders whose refund the provider refused.
func (s *Service) refusedRefunds(ctx context.Context) ([]*opsv1.AttentionItem, error) {
	orders, err := s.ordersWhere(ctx, &orderv1.ListOrdersInternalRequest{
		Statuses:     []orderv1.OrderStatus{orderv1.OrderStatus_ORDER_STATUS_PAID},
		RefundStates: []orderv1.RefundState{orderv1.RefundState_REFUND_STATE_REFUSED},
	})
	if err != nil {
		return nil, err
	}
	items := make([]*opsv1.AttentionItem, 0, len(orders))
	for _, o := range orders {
		since := o.GetRefundRefusedAt()
		if since == nil {
			since = o.GetUpdatedAt()
		}
		kind := opsv1.AttentionKind_ATTENTION_KIND_REFUND_REFUSED
		items = append(items, &opsv1.AttentionItem{
			ItemId: itemID(kind, o.GetOrderId(), since.AsTime()), Kind: kind,
			OrderId: o.GetOrderId(), UserId: o.GetUserId(), AmountCents: cmp.Or(o.GetRefundCents(), o.GetTotalCents()),
			ReasonCode: CodeRefundRefused, Reason: "the payment provider refused the refund; the order is held back from shipping",
			Since: since, WorkflowId: cancellation.WorkflowID(o.GetOrderId()),
		})
	}
	return items, nil
}

// stuckPayments are the orders still unpaid a grace period after their
// payment deadline.
func (s *Service) stuckPayments(ctx context.Context) ([]*opsv1.AttentionItem, error) {
	orders, err := s.ordersWhere(ctx, &orderv1.ListOrdersInternalRequest{
		Statuses:              []orderv1.OrderStatus{orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT},
		PaymentDeadlineBefore: timestamppb.New(s.now().Add(-s.opts.PaymentGrace)),
	})
	if err != nil {
		return nil, err
	}
	items := make([]*opsv1.AttentionItem, 0, len(orders))
	for _, o := range orders {
		kind := opsv1.AttentionKind_ATTENTION_KIND_PAYMENT_STUCK
		item := &opsv1.AttentionItem{
			ItemId: itemID(kind, o.GetOrderId(), o.GetPaymentDeadline().AsTime()), Kind: kind,
			OrderId: o.GetOrderId(), UserId: o.GetUserId(), AmountCents: o.GetTotalCents(),
			ReasonCode: CodePaymentDeadline, Reason: "the order is still unpaid past its payment deadline",
			Since: o.GetPaymentDeadline(),
		}
		if o.GetKind() != orderv1.OrderKind_ORDER_KIND_FLASH_SALE { // flash-sale orders have no checkout saga
			item.WorkflowId = checkout.WorkflowID(o.GetOrderId())
		}
		items = append(items, item)
	}
	return items, nil
}

// cachedRetrying is retryingWorkflows at most ScanInterval old: reading
// every open workflow is the costly part of a listing, and a console
// refreshing every few seconds needs the refunds and payments fresh, not
// the workflows that have been retrying for minutes. One reading runs at a
// time; the items are copies (a listing marks them).
func (s *Service) cachedRetrying(ctx context.Context) ([]*opsv1.AttentionItem, error) {
	s.retryMu.Lock()
	defer s.retryMu.Unlock()
	if s.retryRead.IsZero() || s.now().Sub(s.retryRead) >= s.opts.ScanInterval {
		items, err := s.retryingWorkflows(ctx)
		if err != nil {
			return nil, err
		}
		s.retryItems, s.retryRead = items, s.now()
	}
	copies := make([]*opsv1.AttentionItem, len(s.retryItems))
	for i, item := range s.retryItems {
		copies[i] = proto.CloneOf(item)
	}
	return copies, nil
}

// describeConcurrency bounds the DescribeWorkflowExecution calls in flight.
const describeConcurrency = 8

// retryingWorkflows are the open workflows with an activity retrying for
// RetryAttempts attempts or RetryAge since it was scheduled, or a workflow
// task failing for RetryAttempts attempts.
func (s *Service) retryingWorkflows(ctx context.Context) ([]*opsv1.AttentionItem, error) {
	var open []*workflowExecution
	var token []byte
	for len(open) < s.opts.MaxItemsPerKind {
		res, err := s.temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: s.opts.TemporalNamespace, Query: "ExecutionStatus = 'Running'",
			PageSize: int32(min(s.opts.MaxItemsPerKind, 1000)), NextPageToken: token,
		})
		if err != nil {
			return nil, err
		}
		for _, info := range res.GetExecutions() {
			open = append(open, &workflowExecution{id: info.GetExecution().GetWorkflowId(), runID: info.GetExecution().GetRunId(),
				attrs: info.GetSearchAttributes().GetIndexedFields()})
		}
		if token = res.GetNextPageToken(); len(token) == 0 {
			break
		}
	}
	open = open[:min(len(open), s.opts.MaxItemsPerKind)]

	var (
		mu    sync.Mutex
		items []*opsv1.AttentionItem
		errs  []error
		wg    sync.WaitGroup
		slots = make(chan struct{}, describeConcurrency)
	)
	now := s.now()
	for _, w := range open {
		wg.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			desc, err := s.describe(ctx, w.id, w.runID)
			var notFound *serviceerror.NotFound
			if errors.As(err, &notFound) {
				return // closed and gone meanwhile
			}
			found := s.retrying(w, desc, err, now)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			items = append(items, found...)
		})
	}
	wg.Wait()
	if len(errs) > 0 {
		return items, errs[0]
	}
	return items, nil
}

// describe is DescribeWorkflowExecution's answer for a workflow run.
func (s *Service) describe(ctx context.Context, workflowID, runID string) (*workflowservice.DescribeWorkflowExecutionResponse, error) {
	desc, err := s.temporal.DescribeWorkflow(ctx, workflowID, runID)
	if err != nil {
		return nil, err
	}
	return desc.RawResponse, nil
}

// workflowExecution is an open workflow as the list gave it.
type workflowExecution struct {
	id, runID string
	attrs     map[string]*commonpb.Payload
}

// retrying turns a described workflow's pending activities and workflow
// task that passed the thresholds into items.
func (s *Service) retrying(w *workflowExecution, desc *workflowservice.DescribeWorkflowExecutionResponse, err error, now time.Time) []*opsv1.AttentionItem {
	if err != nil {
		return nil
	}
	kind := opsv1.AttentionKind_ATTENTION_KIND_WORKFLOW_RETRYING
	base := func() *opsv1.AttentionItem {
		item := &opsv1.AttentionItem{Kind: kind, OrderId: orderOfWorkflow(w.id), WorkflowId: w.id, RunId: w.runID}
		decodeAttr(w.attrs["UserId"], &item.UserId)
		decodeAttr(w.attrs["AmountCents"], &item.AmountCents)
		return item
	}
	var items []*opsv1.AttentionItem
	for _, a := range desc.GetPendingActivities() {
		since := a.GetScheduledTime().AsTime()
		if a.GetAttempt() < s.opts.RetryAttempts && (a.GetScheduledTime() == nil || now.Sub(since) < s.opts.RetryAge) {
			continue
		}
		item := base()
		item.ItemId = itemID(kind, w.id+"/"+w.runID+"/"+a.GetActivityId(), since)
		item.ReasonCode, item.ActivityType, item.Attempt = CodeActivityRetrying, a.GetActivityType().GetName(), a.GetAttempt()
		item.Reason = clip(cmp.Or(a.GetLastFailure().GetMessage(), "no attempt has finished yet"), 500)
		item.Since = a.GetScheduledTime()
		items = append(items, item)
	}
	if t := desc.GetPendingWorkflowTask(); t != nil && t.GetAttempt() >= s.opts.RetryAttempts {
		since := cmp.Or(t.GetOriginalScheduledTime(), t.GetScheduledTime())
		item := base()
		item.ItemId = itemID(kind, w.id+"/"+w.runID+"/"+workflowTask, since.AsTime())
		item.ReasonCode, item.ActivityType, item.Attempt = CodeWorkflowTaskRetrying, workflowTask, t.GetAttempt()
		item.Reason, item.Since = "the workflow's code fails on every attempt (see its history)", since
		items = append(items, item)
	}
	return items
}

// orderOfWorkflow is the order a saga's workflow id names ("" for others).
func orderOfWorkflow(workflowID string) string {
	for _, prefix := range []string{checkout.WorkflowID(""), payment.WorkflowID(""), cancellation.WorkflowID("")} {
		if orderID, ok := strings.CutPrefix(workflowID, prefix); ok {
			return orderID
		}
	}
	return ""
}

func decodeAttr(payload *commonpb.Payload, into any) {
	if payload != nil {
		_ = converter.GetDefaultDataConverter().FromPayload(payload, into) // a value of another type stays unset
	}
}

// fillRunIDs gives the order items their workflow's current run, for a
// link to it; an item whose workflow cannot be described keeps the id only.
func (s *Service) fillRunIDs(ctx context.Context, items []*opsv1.AttentionItem) {
	var wg sync.WaitGroup
	slots := make(chan struct{}, describeConcurrency)
	for _, item := range items {
		if item.GetWorkflowId() == "" || item.GetRunId() != "" {
			continue
		}
		wg.Go(func() {
			slots <- struct{}{}
			defer func() { <-slots }()
			if desc, err := s.describe(ctx, item.GetWorkflowId(), ""); err == nil {
				item.RunId = desc.GetWorkflowExecutionInfo().GetExecution().GetRunId()
			}
		})
	}
	wg.Wait()
}

// standing finds a standing item by id, from what stands now (never from
// what a client says of it).
func (s *Service) standing(ctx context.Context, id string) (*opsv1.AttentionItem, error) {
	items, _, err := s.attention(ctx)
	if err != nil {
		return nil, err
	}
	i := slices.IndexFunc(items, func(item *opsv1.AttentionItem) bool { return item.GetItemId() == id })
	if i < 0 {
		return nil, errItemGone()
	}
	return items[i], nil
}

// RetryAttention tries again what a standing item is stuck on.
func (s *Service) RetryAttention(ctx context.Context, req *connect.Request[opsv1.RetryAttentionRequest]) (*connect.Response[opsv1.RetryAttentionResponse], error) {
	item, err := s.standing(ctx, req.Msg.GetItemId())
	if err != nil {
		return nil, err
	}
	audit.Target(ctx, target(item))
	if item.GetHandled() {
		// A person settled it (a refund paid by bank transfer): a retry from
		// a page that still shows it would pay the refund a second time.
		return nil, errItemHandled()
	}
	var outcome string
	switch item.GetKind() {
	case opsv1.AttentionKind_ATTENTION_KIND_REFUND_REFUSED:
		// The order is what changes: its state before and after.
		before, err := s.orders.GetOrderInternal(ctx, connect.NewRequest(&orderv1.GetOrderInternalRequest{OrderId: item.GetOrderId()}))
		if err != nil {
			reason, message := errOrderUnavailable()
			return nil, rpcerr.Upstream(ctx, s.logger, "OrderService.GetOrderInternal", err, reason, message)
		}
		audit.Before(ctx, before.Msg.GetOrder())
		res, err := s.orders.RetryRefund(ctx, connect.NewRequest(&orderv1.RetryRefundRequest{OrderId: item.GetOrderId()}))
		if connect.CodeOf(err) == connect.CodeFailedPrecondition {
			return nil, errItemGone() // the refund was retried or settled meanwhile
		}
		if err != nil {
			reason, message := errOrderUnavailable()
			return nil, rpcerr.Upstream(ctx, s.logger, "OrderService.RetryRefund", err, reason, message)
		}
		audit.After(ctx, res.Msg.GetOrder())
		outcome = "the refund is asked of the payment provider again"
	case opsv1.AttentionKind_ATTENTION_KIND_PAYMENT_STUCK:
		audit.Before(ctx, item)
		if item.GetWorkflowId() == "" {
			return nil, errRetryUnsupported("a flash-sale order has no checkout saga to cancel it: settle it by hand, then mark it handled")
		}
		err := s.temporal.SignalWorkflow(ctx, item.GetWorkflowId(), "", checkout.SignalCancel,
			checkout.CancelSignal{Reason: "payment deadline passed (cancelled by operations)"})
		var notFound *serviceerror.NotFound
		if errors.As(err, &notFound) {
			return nil, errRetryUnsupported("no checkout saga holds this order any more: settle it by hand, then mark it handled")
		}
		if err != nil {
			s.logger.ErrorContext(ctx, "signal checkout saga", "workflow_id", item.GetWorkflowId(), "err", err)
			return nil, errWorkflowUnavailable()
		}
		outcome = "the checkout saga is told to cancel the unpaid order"
	case opsv1.AttentionKind_ATTENTION_KIND_WORKFLOW_RETRYING:
		audit.Before(ctx, item)
		if item.GetActivityType() == workflowTask {
			return nil, errRetryUnsupported("a failing workflow task retries by itself; fix its cause or reset the workflow in the Temporal Web UI")
		}
		if err := s.resetActivity(ctx, item); err != nil {
			return nil, err
		}
		outcome = "the activity's attempts start over; the next one runs now"
	}
	return connect.NewResponse(&opsv1.RetryAttentionResponse{Outcome: outcome}), nil
}

// resetActivity resets a retrying activity's attempts, where the Temporal
// server allows activity resets.
func (s *Service) resetActivity(ctx context.Context, item *opsv1.AttentionItem) error {
	desc, err := s.describe(ctx, item.GetWorkflowId(), item.GetRunId())
	if err != nil {
		return errWorkflowUnavailable()
	}
	activityID := ""
	for _, a := range desc.GetPendingActivities() {
		if a.GetActivityType().GetName() == item.GetActivityType() && a.GetScheduledTime().AsTime().Equal(item.GetSince().AsTime()) {
			activityID = a.GetActivityId()
		}
	}
	if activityID == "" {
		return errItemGone()
	}
	identity, _ := auth.FromContext(ctx)
	_, err = s.temporal.WorkflowService().ResetActivity(ctx, &workflowservice.ResetActivityRequest{
		Namespace: s.opts.TemporalNamespace,
		Execution: &commonpb.WorkflowExecution{WorkflowId: item.GetWorkflowId(), RunId: item.GetRunId()},
		Identity:  "mall-ops:" + identity.Subject,
		Activity:  &workflowservice.ResetActivityRequest_Id{Id: activityID},
	})
	switch serviceerror.ToStatus(err).Code() {
	case codes.OK:
		return nil
	case codes.Unimplemented, codes.PermissionDenied, codes.FailedPrecondition:
		return errRetryUnsupported("this Temporal server does not reset activities: the activity retries by itself; fix its cause, then mark it handled")
	default:
		s.logger.ErrorContext(ctx, "reset activity", "workflow_id", item.GetWorkflowId(), "activity_id", activityID, "err", err)
		return errWorkflowUnavailable()
	}
}

// MarkAttentionHandled takes a standing item off the list with a note.
func (s *Service) MarkAttentionHandled(ctx context.Context, req *connect.Request[opsv1.MarkAttentionHandledRequest]) (*connect.Response[opsv1.MarkAttentionHandledResponse], error) {
	operator, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	item, err := s.standing(ctx, req.Msg.GetItemId())
	if err != nil {
		return nil, err
	}
	audit.Target(ctx, target(item))
	audit.Before(ctx, item)
	if !item.GetHandled() {
		mark, err := insertMark(ctx, s.db, &markRow{ItemID: item.GetItemId(), Kind: int32(item.GetKind()), OrderID: item.GetOrderId(),
			WorkflowID: clip(item.GetWorkflowId(), 255), Note: req.Msg.GetNote(), HandledBy: cmp.Or(s.username(ctx, operator), operator),
			HandledAt: s.now().UTC()})
		if err != nil {
			return nil, err
		}
		applyMark(item, mark)
		if _, err := s.refreshGauge(ctx); err != nil {
			s.logger.WarnContext(ctx, "attention gauge not refreshed after a mark", "err", err)
		}
	}
	audit.After(ctx, item)
	return connect.NewResponse(&opsv1.MarkAttentionHandledResponse{Item: item}), nil
}

// target names an item for the audit log: its order, else its workflow.
func target(item *opsv1.AttentionItem) string {
	if item.GetOrderId() != "" {
		return "order " + item.GetOrderId()
	}
	return "workflow " + item.GetWorkflowId()
}
