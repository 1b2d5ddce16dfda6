package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/protobuf/types/known/timestamppb"

	commonv1 "mall/gen/mall/common/v1"
	opsv1 "mall/gen/mall/ops/v1"
	"mall/gen/mall/ops/v1/opsv1connect"
	orderv1 "mall/gen/mall/order/v1"
	"mall/services/ops"
	"mall/services/paysim"
	"mall/services/platform/auth"
	"mall/services/platform/rpcclient"
	"mall/services/platform/rpcerr"
	"mall/services/platform/testenv"
)

// attentionGauge is mall_attention_items{kind} as /metrics serves it.
func attentionGauge(t *testing.T, kind string) float64 {
	t.Helper()
	families, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, family := range families {
		if family.GetName() != "mall_attention_items" {
			continue
		}
		for _, metric := range family.GetMetric() {
			if len(metric.GetLabel()) == 1 && metric.GetLabel()[0].GetValue() == kind {
				return metric.GetGauge().GetValue()
			}
		}
	}
	return 0
}

// TestOperatorsResolveRefusedRefundsAndEveryActionIsAudited walks the
// attention list and the audit log through the whole mall: refunds the
// provider refuses appear on the list (and in mall_attention_items), one is
// retried until the provider accepts and the order ends REFUNDED, another
// is marked handled and leaves the list; every operator action is in the
// audit log with what it changed; shoppers reach none of it.
func TestOperatorsResolveRefusedRefundsAndEveryActionIsAudited(t *testing.T) {
	m, p := startMallWithProvider(t, 2*time.Minute, paysim.Options{Seed: 17}, func(cfg *appConfig) {
		cfg.TemporalUIURL = "http://temporal-ui.test:8233"
	})
	ctx := context.Background()
	opsClient := opsv1connect.NewOpsServiceClient(rpcclient.HTTPClient(), m.url, connect.WithGRPC())
	token := m.shopper(t, "ops_buyer")
	address := m.defaultAddress(t, token)
	paidOrder := func(n int) string {
		t.Helper()
		o, err := m.buyNow(ctx, token, address, fmt.Sprintf("p%04d", 120+n), fmt.Sprintf("ops-order-%d", n))
		if err != nil {
			t.Fatal(err)
		}
		if err := m.payAsCustomer(ctx, p.client, token, o.GetOrderId()); err != nil {
			t.Fatal(err)
		}
		m.waitStatus(t, token, o.GetOrderId(), orderv1.OrderStatus_ORDER_STATUS_PAID)
		return o.GetOrderId()
	}
	refusedRefund := func(orderID string) {
		t.Helper()
		if _, err := m.orders.CancelOrder(ctx, testenv.Bearer(token, &orderv1.CancelOrderRequest{OrderId: orderID, Reason: "changed my mind"})); err != nil {
			t.Fatal(err)
		}
		m.cancellationResult(t, orderID)
	}
	list := func(includeHandled bool) *opsv1.ListAttentionResponse {
		t.Helper()
		res, err := opsClient.ListAttention(ctx, testenv.Bearer(m.admin, &opsv1.ListAttentionRequest{IncludeHandled: includeHandled}))
		if err != nil {
			t.Fatal(err)
		}
		return res.Msg
	}
	itemOf := func(res *opsv1.ListAttentionResponse, orderID string) *opsv1.AttentionItem {
		for _, item := range res.GetItems() {
			if item.GetOrderId() == orderID && item.GetKind() == opsv1.AttentionKind_ATTENTION_KIND_REFUND_REFUSED {
				return item
			}
		}
		return nil
	}

	retried, handled, shipped := paidOrder(0), paidOrder(1), paidOrder(2)
	p.sim.SetRefundRefusalRate(1)
	refusedRefund(retried)
	refusedRefund(handled)

	var first *opsv1.AttentionItem
	t.Run("refused refunds are on the list and counted", func(t *testing.T) {
		res := list(false)
		if res.GetTemporalUiUrl() != "http://temporal-ui.test:8233" || res.GetTemporalNamespace() != "default" || len(res.GetIncomplete()) != 0 {
			t.Fatalf("Temporal UI %q namespace %q incomplete %v", res.GetTemporalUiUrl(), res.GetTemporalNamespace(), res.GetIncomplete())
		}
		for _, orderID := range []string{retried, handled} {
			item := itemOf(res, orderID)
			if item == nil {
				t.Fatalf("order %s is not on the list: %v", orderID, res.GetItems())
			}
			if item.GetReasonCode() != ops.CodeRefundRefused || item.GetAmountCents() <= 0 || item.GetSince() == nil || item.GetHandled() ||
				item.GetWorkflowId() != "cancel-"+orderID || item.GetRunId() == "" || item.GetUserId() == "" || len(item.GetItemId()) != 32 {
				t.Fatalf("item %v", item)
			}
		}
		if n := attentionGauge(t, "refund_refused"); n != 2 {
			t.Fatalf("mall_attention_items{kind=refund_refused} = %v, want 2", n)
		}
		first = itemOf(res, retried)
	})

	t.Run("a retry the provider refuses again is a new item; the old one is gone", func(t *testing.T) {
		if _, err := opsClient.RetryAttention(ctx, testenv.Bearer(m.admin, &opsv1.RetryAttentionRequest{ItemId: first.GetItemId()})); err != nil {
			t.Fatal(err)
		}
		var again *opsv1.AttentionItem
		testenv.Eventually(t, 2*time.Minute, "the refused retry listed as a new item", func() bool {
			again = itemOf(list(false), retried)
			return again != nil && again.GetItemId() != first.GetItemId()
		})
		_, err := opsClient.RetryAttention(ctx, testenv.Bearer(m.admin, &opsv1.RetryAttentionRequest{ItemId: first.GetItemId()}))
		testenv.WantCode(t, err, connect.CodeFailedPrecondition, ops.ReasonAttentionItemGone)
		first = again
	})

	t.Run("a retry the provider accepts refunds the order and clears the item", func(t *testing.T) {
		p.sim.SetRefundRefusalRate(0)
		res, err := opsClient.RetryAttention(ctx, testenv.Bearer(m.admin, &opsv1.RetryAttentionRequest{ItemId: first.GetItemId()}))
		if err != nil {
			t.Fatal(err)
		}
		if res.Msg.GetOutcome() == "" {
			t.Fatal("no outcome")
		}
		o := m.waitStatus(t, token, retried, orderv1.OrderStatus_ORDER_STATUS_REFUNDED)
		if o.GetRefundState() != orderv1.RefundState_REFUND_STATE_REFUNDED {
			t.Fatalf("order %v", o)
		}
		if item := itemOf(list(true), retried); item != nil {
			t.Fatalf("still listed: %v", item)
		}
		// Retrying the order's refund once more is refused by the order service.
		_, err = opsClient.RetryAttention(ctx, testenv.Bearer(m.admin, &opsv1.RetryAttentionRequest{ItemId: first.GetItemId()}))
		testenv.WantCode(t, err, connect.CodeFailedPrecondition, ops.ReasonAttentionItemGone)
	})

	t.Run("marked handled, an item leaves the list and the gauge; 30 marks at once keep the first", func(t *testing.T) {
		item := itemOf(list(false), handled)
		if item == nil {
			t.Fatal("not listed")
		}
		var wg sync.WaitGroup
		notes := make([]string, 30)
		for i := range notes {
			wg.Go(func() {
				res, err := opsClient.MarkAttentionHandled(ctx, testenv.Bearer(m.admin, &opsv1.MarkAttentionHandledRequest{
					ItemId: item.GetItemId(), Note: fmt.Sprintf("refunded by bank transfer %d", i)}))
				if err != nil {
					t.Error(err)
					return
				}
				notes[i] = res.Msg.GetItem().GetHandledNote()
			})
		}
		wg.Wait()
		for _, note := range notes {
			if note != notes[0] || !strings.HasPrefix(note, "refunded by bank transfer") {
				t.Fatalf("notes %v", notes)
			}
		}
		if itemOf(list(false), handled) != nil {
			t.Fatal("a handled item is still listed")
		}
		marked := itemOf(list(true), handled)
		if marked == nil || !marked.GetHandled() || marked.GetHandledBy() != "u-test-admin" || marked.GetHandledNote() != notes[0] || marked.GetHandledAt() == nil {
			t.Fatalf("with handled ones: %v", marked)
		}
		if n := attentionGauge(t, "refund_refused"); n != 0 {
			t.Fatalf("mall_attention_items{kind=refund_refused} = %v after the mark, want 0", n)
		}
		// Another operator's page still shows it: their retry would ask the
		// provider for money already paid back by hand.
		p.sim.SetRefundRefusalRate(0)
		_, err := opsClient.RetryAttention(ctx, testenv.Bearer(m.admin, &opsv1.RetryAttentionRequest{ItemId: item.GetItemId()}))
		testenv.WantCode(t, err, connect.CodeFailedPrecondition, ops.ReasonAttentionItemGone)
		o, err := m.orders.GetOrder(ctx, testenv.Bearer(token, &orderv1.GetOrderRequest{OrderId: handled}))
		if err != nil {
			t.Fatal(err)
		}
		if o.Msg.GetOrder().GetRefundState() != orderv1.RefundState_REFUND_STATE_REFUSED {
			t.Fatalf("the handled order's refund is %v after a retry, want REFUSED", o.Msg.GetOrder().GetRefundState())
		}
	})

	t.Run("bad and unknown item ids change nothing", func(t *testing.T) {
		_, err := opsClient.MarkAttentionHandled(ctx, testenv.Bearer(m.admin, &opsv1.MarkAttentionHandledRequest{ItemId: "../x", Note: "n"}))
		testenv.WantCode(t, err, connect.CodeInvalidArgument, "")
		_, err = opsClient.MarkAttentionHandled(ctx, testenv.Bearer(m.admin, &opsv1.MarkAttentionHandledRequest{
			ItemId: strings.Repeat("0", 32), Note: "n"}))
		testenv.WantCode(t, err, connect.CodeFailedPrecondition, ops.ReasonAttentionItemGone)
		_, err = opsClient.MarkAttentionHandled(ctx, testenv.Bearer(m.admin, &opsv1.MarkAttentionHandledRequest{
			ItemId: strings.Repeat("0", 32), Note: strings.Repeat("x", 501)}))
		testenv.WantCode(t, err, connect.CodeInvalidArgument, "")
	})

	t.Run("every operator action is in the audit log with what it changed", func(t *testing.T) {
		if _, err := m.orders.ShipOrder(ctx, testenv.Bearer(m.admin, &orderv1.ShipOrderRequest{OrderId: shipped, Carrier: "SF", TrackingNumber: "SF-OPS-1"})); err != nil {
			t.Fatal(err)
		}
		entries := func(req *opsv1.ListAuditEntriesRequest) []*opsv1.AuditEntry {
			t.Helper()
			res, err := opsClient.ListAuditEntries(ctx, testenv.Bearer(m.admin, req))
			if err != nil {
				t.Fatal(err)
			}
			return res.Msg.GetEntries()
		}
		ship := entries(&opsv1.ListAuditEntriesRequest{Action: "ShipOrder"})
		if len(ship) != 1 || ship[0].GetActorId() != "u-test-admin" || ship[0].GetOutcomeCode() != "ok" || ship[0].GetFinishedAt() == nil ||
			!strings.Contains(ship[0].GetRequestJson(), "SF-OPS-1") || ship[0].GetProcedure() != "/mall.order.v1.OrderService/ShipOrder" {
			t.Fatalf("ShipOrder entries %v", ship)
		}
		// Two retries found the item, two came after it was gone (no
		// target), and the last found the handled one and was refused.
		all := entries(&opsv1.ListAuditEntriesRequest{Action: "RetryAttention"})
		if len(all) != 5 || all[0].GetOutcomeReason() != ops.ReasonAttentionItemGone || all[0].GetTarget() != "order "+handled ||
			all[1].GetOutcomeReason() != ops.ReasonAttentionItemGone || all[1].GetOutcomeCode() != "failed_precondition" ||
			all[1].GetTarget() != "" || all[2].GetOutcomeCode() != "ok" || !all[1].GetAt().AsTime().After(all[4].GetAt().AsTime()) {
			t.Fatalf("retries %v", all)
		}
		retries := entries(&opsv1.ListAuditEntriesRequest{Action: "RetryAttention", TargetContains: retried})
		if len(retries) != 2 {
			t.Fatalf("want the 2 retries of %s, got %v", retried, retries)
		}
		for _, e := range retries {
			if e.GetOutcomeCode() != "ok" || e.GetTarget() != "order "+retried {
				t.Fatalf("retry %v", e)
			}
			var before, after map[string]any
			if err := json.Unmarshal([]byte(e.GetBeforeJson()), &before); err != nil || before["order_id"] != retried || before["refund_state"] != "REFUND_STATE_REFUSED" {
				t.Fatalf("before %q (%v)", e.GetBeforeJson(), err)
			}
			if err := json.Unmarshal([]byte(e.GetAfterJson()), &after); err != nil || after["refund_state"] != "REFUND_STATE_REQUESTED" {
				t.Fatalf("after %q (%v)", e.GetAfterJson(), err)
			}
		}
		newest := all[0]
		// The 30 marks, and the 3 refused ones of the bad ids (recorded too:
		// the log is written before the request is checked).
		marks := entries(&opsv1.ListAuditEntriesRequest{Action: "/mall.ops.v1.OpsService/MarkAttentionHandled", Actor: "u-test-admin"})
		ok := 0
		for _, e := range marks {
			if e.GetOutcomeCode() == "ok" {
				ok++
				if !strings.Contains(e.GetAfterJson(), `"handled":true`) || e.GetTarget() != "order "+handled {
					t.Fatalf("mark %v", e)
				}
			}
		}
		if len(marks) != 33 || ok != 30 {
			t.Fatalf("%d marks, %d ok", len(marks), ok)
		}
		// Pages of 7, newest first, without repeats; a time window; a bad token.
		seen := map[string]bool{}
		var token string
		for pages := 0; ; pages++ {
			res, err := opsClient.ListAuditEntries(ctx, testenv.Bearer(m.admin, &opsv1.ListAuditEntriesRequest{PageSize: 7, PageToken: token}))
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range res.Msg.GetEntries() {
				if seen[e.GetEntryId()] {
					t.Fatalf("entry %s twice", e.GetEntryId())
				}
				seen[e.GetEntryId()] = true
			}
			if token = res.Msg.GetNextPageToken(); token == "" {
				break
			}
		}
		if len(seen) != len(mustList(t, opsClient, m.admin)) {
			t.Fatalf("paging saw %d entries, one page of 200 has %d", len(seen), len(mustList(t, opsClient, m.admin)))
		}
		if got := entries(&opsv1.ListAuditEntriesRequest{Since: newest.GetAt(), Action: "RetryAttention"}); len(got) != 1 {
			t.Fatalf("since the newest retry: %v", got)
		}
		_, err := opsClient.ListAuditEntries(ctx, testenv.Bearer(m.admin, &opsv1.ListAuditEntriesRequest{PageToken: "bm90LWEtdG9rZW4"}))
		testenv.WantCode(t, err, connect.CodeInvalidArgument, ops.ReasonBadPageToken)
	})

	t.Run("shoppers and admins reach no ops procedure beyond their level", func(t *testing.T) {
		service := opsv1.File_mall_ops_v1_ops_proto.Services().ByName("OpsService")
		entriesBefore := len(mustList(t, opsClient, m.admin))
		calls := map[string]func(token string) error{
			"ListAuditEntries": func(tok string) error {
				_, err := opsClient.ListAuditEntries(ctx, testenv.Bearer(tok, &opsv1.ListAuditEntriesRequest{}))
				return err
			},
			"ListAttention": func(tok string) error {
				_, err := opsClient.ListAttention(ctx, testenv.Bearer(tok, &opsv1.ListAttentionRequest{}))
				return err
			},
			"RetryAttention": func(tok string) error {
				_, err := opsClient.RetryAttention(ctx, testenv.Bearer(tok, &opsv1.RetryAttentionRequest{ItemId: strings.Repeat("a", 32)}))
				return err
			},
			"MarkAttentionHandled": func(tok string) error {
				_, err := opsClient.MarkAttentionHandled(ctx, testenv.Bearer(tok, &opsv1.MarkAttentionHandledRequest{ItemId: strings.Repeat("a", 32), Note: "n"}))
				return err
			},
			"BeginAudit": func(tok string) error {
				_, err := opsClient.BeginAudit(ctx, testenv.Bearer(tok, &opsv1.BeginAuditRequest{EntryId: "forged", At: timestamppb.Now(), ActorId: "u-x", Procedure: "/x/y"}))
				return err
			},
			"FinishAudit": func(tok string) error {
				_, err := opsClient.FinishAudit(ctx, testenv.Bearer(tok, &opsv1.FinishAuditRequest{EntryId: "forged", OutcomeCode: "ok"}))
				return err
			},
		}
		if len(calls) != service.Methods().Len() {
			t.Fatalf("%d procedures called, the service has %d", len(calls), service.Methods().Len())
		}
		for name, call := range calls {
			procedure := "/mall.ops.v1.OpsService/" + name
			access, _ := auth.AccessOf(procedure)
			testenv.WantCode(t, call(token), connect.CodePermissionDenied, rpcerr.ReasonForbidden)
			if access == commonv1.Access_ACCESS_INTERNAL {
				testenv.WantCode(t, call(m.admin), connect.CodePermissionDenied, rpcerr.ReasonForbidden)
			}
		}
		if n := len(mustList(t, opsClient, m.admin)); n != entriesBefore {
			t.Fatalf("refused calls changed the audit log: %d entries, were %d", n, entriesBefore)
		}
	})
}

func mustList(t *testing.T, client opsv1connect.OpsServiceClient, admin string) []*opsv1.AuditEntry {
	t.Helper()
	res, err := client.ListAuditEntries(context.Background(), testenv.Bearer(admin, &opsv1.ListAuditEntriesRequest{PageSize: 200}))
	if err != nil {
		t.Fatal(err)
	}
	return res.Msg.GetEntries()
}

// A bulk shipment is found in the audit log by any of its orders: searched
// by the tenth order of a selection, the entry that shipped it is listed
// (a target cut at 200 bytes named the first seven, and an operator's bulk
// action hid the others from the search).
func TestABulkShipmentIsFoundInTheAuditLogByEachOfItsOrders(t *testing.T) {
	m, p := startMallWithProvider(t, 2*time.Minute, paysim.Options{Seed: 18})
	ctx := context.Background()
	opsClient := opsv1connect.NewOpsServiceClient(rpcclient.HTTPClient(), m.url, connect.WithGRPC())
	token := m.shopper(t, "bulk_buyer")
	address := m.defaultAddress(t, token)
	req := &orderv1.BulkShipOrdersRequest{}
	for n := range 10 {
		o, err := m.buyNow(ctx, token, address, fmt.Sprintf("p%04d", 140+n), fmt.Sprintf("bulk-order-%d", n))
		if err != nil {
			t.Fatal(err)
		}
		if err := m.payAsCustomer(ctx, p.client, token, o.GetOrderId()); err != nil {
			t.Fatal(err)
		}
		m.waitStatus(t, token, o.GetOrderId(), orderv1.OrderStatus_ORDER_STATUS_PAID)
		req.Items = append(req.Items, &orderv1.ShipItem{OrderId: o.GetOrderId(), Carrier: "SF", TrackingNumber: fmt.Sprintf("SF-BULK-%d", n)})
	}
	res, err := m.orders.BulkShipOrders(ctx, testenv.Bearer(m.admin, req))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res.Msg.GetResults() {
		if r.GetOutcome() != orderv1.ShipOutcome_SHIP_OUTCOME_SHIPPED {
			t.Fatalf("result %v", r)
		}
	}
	for _, item := range req.GetItems() {
		found, err := opsClient.ListAuditEntries(ctx, testenv.Bearer(m.admin, &opsv1.ListAuditEntriesRequest{
			Action: "BulkShipOrders", TargetContains: item.GetOrderId()}))
		if err != nil {
			t.Fatal(err)
		}
		if len(found.Msg.GetEntries()) != 1 {
			t.Errorf("the audit log searched by %s: %d bulk shipments, want 1", item.GetOrderId(), len(found.Msg.GetEntries()))
		}
	}
}
