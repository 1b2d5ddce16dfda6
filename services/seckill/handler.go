// Package seckill is the flash-sale domain: events in its own database, the
// live sale (stock, buyers) in Valkey behind one Lua admission script,
// accepted purchases handed to Kafka for the batched order writers
// (writer.go), and the reconciler that rebuilds a lost sale. Handler (this
// file) is thin; the logic is in events.go, purchase.go and reconcile.go.
package seckill

import (
	"context"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/types/known/timestamppb"

	seckillv1 "mall/gen/mall/seckill/v1"
	"mall/gen/mall/seckill/v1/seckillv1connect"
	"mall/services/platform/auth"
)

// Handler serves SeckillService. Purchase and GetPurchaseResult take the
// buyer only from the verified token; the internal RPCs are called by the
// writers and the sweeper with a service credential.
type Handler struct {
	seckillv1connect.UnimplementedSeckillServiceHandler
	svc *Service
}

// NewHandler returns the SeckillService handler over svc.
func NewHandler(svc *Service) *Handler { return &Handler{svc: svc} }

var _ seckillv1connect.SeckillServiceHandler = (*Handler)(nil)

func (h *Handler) ListEvents(ctx context.Context, req *connect.Request[seckillv1.ListEventsRequest]) (*connect.Response[seckillv1.ListEventsResponse], error) {
	events, next, err := h.svc.ListEvents(ctx, req.Msg)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&seckillv1.ListEventsResponse{Events: events, NextPageToken: next}), nil
}

func (h *Handler) GetEvent(ctx context.Context, req *connect.Request[seckillv1.GetEventRequest]) (*connect.Response[seckillv1.GetEventResponse], error) {
	ev, err := h.svc.GetEvent(ctx, req.Msg.GetEventId())
	if err != nil {
		return nil, err
	}
	// A signed-in shopper on a sale's page is about to buy.
	if identity, ok := auth.FromContext(ctx); ok && identity.Has(auth.RoleUser) && ev.GetState() != seckillv1.EventState_EVENT_STATE_ENDED {
		h.svc.PrefetchAddress(identity.Subject)
	}
	return connect.NewResponse(&seckillv1.GetEventResponse{Event: ev}), nil
}

func (h *Handler) Purchase(ctx context.Context, req *connect.Request[seckillv1.PurchaseRequest]) (*connect.Response[seckillv1.PurchaseResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	ticket, at, err := h.svc.Purchase(ctx, userID, req.Msg)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&seckillv1.PurchaseResponse{Ticket: ticket, AcceptedAt: timestamppb.New(at)}), nil
}

func (h *Handler) GetPurchaseResult(ctx context.Context, req *connect.Request[seckillv1.GetPurchaseResultRequest]) (*connect.Response[seckillv1.GetPurchaseResultResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	res, err := h.svc.GetPurchaseResult(ctx, userID, req.Msg.GetTicket())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(res), nil
}

func (h *Handler) CreateEvent(ctx context.Context, req *connect.Request[seckillv1.CreateEventRequest]) (*connect.Response[seckillv1.CreateEventResponse], error) {
	ev, err := h.svc.CreateEvent(ctx, req.Msg)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&seckillv1.CreateEventResponse{Event: ev}), nil
}

func (h *Handler) RecordPurchaseResults(ctx context.Context, req *connect.Request[seckillv1.RecordPurchaseResultsRequest]) (*connect.Response[seckillv1.RecordPurchaseResultsResponse], error) {
	if err := h.svc.RecordPurchaseResults(ctx, req.Msg.GetResults()); err != nil {
		return nil, err
	}
	return connect.NewResponse(&seckillv1.RecordPurchaseResultsResponse{}), nil
}

func (h *Handler) ReleasePurchase(ctx context.Context, req *connect.Request[seckillv1.ReleasePurchaseRequest]) (*connect.Response[seckillv1.ReleasePurchaseResponse], error) {
	released, err := h.svc.ReleasePurchase(ctx, req.Msg)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&seckillv1.ReleasePurchaseResponse{Released: released}), nil
}

func (h *Handler) SettleSales(ctx context.Context, _ *connect.Request[seckillv1.SettleSalesRequest]) (*connect.Response[seckillv1.SettleSalesResponse], error) {
	res, err := h.svc.SettleSales(ctx)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(res), nil
}
