// Package paysim is a payment provider simulator: the merchant API of
// mall/services/pay/provider (charges, cancellation, refunds), a ledger and
// a pay page for the shopper's browser (Client drives both from tests), and
// signed webhooks delivered with retries and injectable faults (loss,
// duplicates, reordering, latency, declines, refused refunds, and charges
// that differ from what the merchant asked).
//
// All state is in memory. The wire types and the webhook signature come from
// package provider, so the simulator and the merchant's client cannot drift.
package paysim

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"mall/services/pay/provider"
)

// Options configure a Simulator. Rates are probabilities in [0, 1].
type Options struct {
	APIKey        string // empty: the merchant API asks for no key
	WebhookSecret []byte
	NotifyURL     string // default webhook URL for charges without notify_url
	PublicURL     string // base of pay_url, e.g. http://127.0.0.1:8090 (empty: from the request's Host)

	DeclineRate, DuplicateRate, ReorderRate, LossRate float64
	// RefundRefusalRate is the share of refunds of succeeded charges that
	// are refused (409 refund_refused): a provider that will not give the
	// money back.
	RefundRefusalRate float64
	// Misreport, when set (one of MisreportFields), makes an approval settle
	// the charge with that field changed: a provider whose charge differs
	// from what the merchant asked for (the money taken is the changed
	// charge's).
	Misreport string

	Latency            time.Duration // added before answering every merchant API call
	RetryMin, RetryMax time.Duration // webhook backoff bounds; 0: 100ms, 5s
	Seed               int64         // seed of the fault injection; 0: time-based
	Logger             *slog.Logger
}

// MisreportFields are the values of Options.Misreport: the charge settles
// for 1 cent, in USD, under another reference, or for another order.
var MisreportFields = []string{"amount", "currency", "reference", "order"}

// CheckMisreport returns an error unless field is "" or one of
// MisreportFields.
func CheckMisreport(field string) error {
	if field == "" || slices.Contains(MisreportFields, field) {
		return nil
	}
	return fmt.Errorf("misreport %q: want one of %s", field, strings.Join(MisreportFields, ", "))
}

// SetRefundRefusalRate changes Options.RefundRefusalRate of a running
// simulator; SetMisreport changes Options.Misreport. Tests walk one
// simulator through several scenarios with them.
func (s *Simulator) SetRefundRefusalRate(rate float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opts.RefundRefusalRate = rate
}

// SetMisreport: see SetRefundRefusalRate.
func (s *Simulator) SetMisreport(field string) error {
	if err := CheckMisreport(field); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opts.Misreport = field
	return nil
}

// Decline reasons the simulator gives.
const (
	ReasonCardDeclined     = "card declined (simulated)"
	ReasonCustomerDeclined = "declined by customer"
)

// Simulator is an in-memory payment provider. Create it with New, serve
// Handler, and run Run to deliver webhooks.
type Simulator struct {
	opts Options
	log  *slog.Logger
	page pageTemplates
	hc   *http.Client // webhook deliveries

	mu         sync.Mutex
	rnd        *mrand.Rand
	charges    map[string]*chargeState
	chargeKeys map[string]chargeKey // Idempotency-Key of POST /v1/charges
	refundKeys map[string]string    // Idempotency-Key of POST .../refunds -> charge id
	ledger     []LedgerEntry
	// refuseNext refunds are refused whatever the refusal rate
	// (POST /v1/simulator/refund-refusals).
	refuseNext int

	// webhook delivery (delivery.go), guarded by mu
	queue    deliveryHeap
	lanes    map[string]*lane
	inflight int
	running  bool
	stats    deliveryStats
	wake     chan struct{}
}

type chargeState struct {
	charge provider.Charge
	seq    int64 // sequence of the last event
	refund *provider.Refund
}

type chargeKey struct {
	chargeID string
	req      provider.CreateChargeRequest // normalized
}

// New returns a simulator with opts, defaults filled in.
func New(opts Options) *Simulator {
	if opts.RetryMin <= 0 {
		opts.RetryMin = 100 * time.Millisecond
	}
	if opts.RetryMax <= 0 {
		opts.RetryMax = 5 * time.Second
	}
	if opts.RetryMax < opts.RetryMin {
		opts.RetryMax = opts.RetryMin
	}
	if opts.Seed == 0 {
		opts.Seed = time.Now().UnixNano()
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	opts.PublicURL = strings.TrimRight(opts.PublicURL, "/")
	seed := uint64(opts.Seed)
	return &Simulator{
		opts:       opts,
		log:        opts.Logger,
		page:       newPageTemplates(),
		hc:         newWebhookClient(),
		rnd:        mrand.New(mrand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		charges:    map[string]*chargeState{},
		chargeKeys: map[string]chargeKey{},
		refundKeys: map[string]string{},
		lanes:      map[string]*lane{},
		wake:       make(chan struct{}, 1),
	}
}

// Handler is the whole HTTP API: the merchant API under /v1 (API key), the pay
// page under /pay (no key: the shopper's browser) and /healthz.
func (s *Simulator) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST /v1/charges", s.merchant(s.createCharge))
	mux.Handle("GET /v1/charges/{id}", s.merchant(s.getCharge))
	mux.Handle("POST /v1/charges/{id}/cancel", s.merchant(s.cancelCharge))
	mux.Handle("POST /v1/charges/{id}/refunds", s.merchant(s.refundCharge))
	mux.Handle("GET /v1/ledger", s.merchant(s.getLedger))
	mux.Handle("POST /v1/simulator/refund-refusals", s.merchant(s.refuseRefunds))
	mux.Handle("/v1/", s.merchant(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "not_found", "no such endpoint: "+r.Method+" "+r.URL.Path)
	}))
	mux.HandleFunc("GET /pay/{id}", s.payPage)
	mux.HandleFunc("POST /pay/{id}/approve", func(w http.ResponseWriter, r *http.Request) { s.customerAction(w, r, true) })
	mux.HandleFunc("POST /pay/{id}/decline", func(w http.ResponseWriter, r *http.Request) { s.customerAction(w, r, false) })
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "ok\n")
	})
	return mux
}

// merchant wraps a merchant API handler: API key, then the simulated latency.
func (s *Simulator) merchant(h http.HandlerFunc) http.Handler {
	want := []byte("Bearer " + s.opts.APIKey)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.opts.APIKey != "" && subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="paysim"`)
			writeError(w, http.StatusUnauthorized, "unauthenticated", "missing or wrong API key (Authorization: Bearer <key>)")
			return
		}
		if s.opts.Latency > 0 {
			t := time.NewTimer(s.opts.Latency)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return // the caller is gone
			}
		}
		h(w, r)
	})
}

// apiError is an answer of the merchant API other than 2xx.
type apiError struct {
	status        int
	code, message string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func errNotFound(id string) *apiError {
	return &apiError{http.StatusNotFound, "not_found", "no charge " + id}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, message string) {
	type body struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	writeJSON(w, status, map[string]body{"error": {code, message}})
}

func writeAPIError(w http.ResponseWriter, err error) {
	var ae *apiError
	if errors.As(err, &ae) {
		writeError(w, ae.status, ae.code, ae.message)
		return
	}
	writeError(w, http.StatusInternalServerError, "internal", err.Error())
}

func (s *Simulator) createCharge(w http.ResponseWriter, r *http.Request) {
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		writeError(w, http.StatusBadRequest, "invalid_request", "the Idempotency-Key header is required")
		return
	}
	var req provider.CreateChargeRequest
	if err := decodeBody(r, &req); err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	req, err := normalizeCreate(req)
	if err != nil {
		writeError(w, http.StatusBadRequest, "invalid_request", err.Error())
		return
	}
	payBase := s.opts.PublicURL
	if payBase == "" {
		payBase = "http://" + r.Host
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if prev, ok := s.chargeKeys[key]; ok {
		if !sameCharge(prev.req, req) {
			writeError(w, http.StatusConflict, "idempotency_conflict",
				"Idempotency-Key "+key+" was used for a different charge ("+prev.chargeID+")")
			return
		}
		w.Header().Set("Idempotent-Replayed", "true")
		writeJSON(w, http.StatusOK, s.charges[prev.chargeID].charge)
		return
	}
	now := time.Now().UTC()
	id := newID("ch_")
	cs := &chargeState{charge: provider.Charge{
		ID:          id,
		AmountCents: req.AmountCents,
		Currency:    req.Currency,
		Reference:   req.Reference,
		OrderID:     req.OrderID,
		Description: req.Description,
		Status:      provider.ChargePending,
		PayURL:      payBase + "/pay/" + id,
		ReturnURL:   req.ReturnURL,
		NotifyURL:   req.NotifyURL,
		CreatedAt:   now,
		UpdatedAt:   now,
	}}
	s.charges[id] = cs
	s.chargeKeys[key] = chargeKey{chargeID: id, req: req}
	s.log.Info("charge created", "charge", id, "amount_cents", req.AmountCents, "reference", req.Reference, "order", req.OrderID)
	s.emitLocked(cs)
	writeJSON(w, http.StatusOK, cs.charge)
}

// sameCharge reports whether a replayed request asks for the same charge: the
// money and what it is for must match.
func sameCharge(a, b provider.CreateChargeRequest) bool {
	return a.AmountCents == b.AmountCents && a.Currency == b.Currency &&
		a.Reference == b.Reference && a.OrderID == b.OrderID
}

func normalizeCreate(req provider.CreateChargeRequest) (provider.CreateChargeRequest, error) {
	req.Currency = strings.ToUpper(strings.TrimSpace(req.Currency))
	if req.Currency == "" {
		req.Currency = "CNY"
	}
	switch {
	case req.AmountCents <= 0:
		return req, errors.New("amount_cents must be > 0")
	case len(req.Currency) != 3 || strings.Trim(req.Currency, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "":
		return req, errors.New("currency must be a three-letter code")
	case req.Reference == "":
		return req, errors.New("reference is required")
	case req.OrderID == "":
		return req, errors.New("order_id is required")
	}
	for name, u := range map[string]string{"return_url": req.ReturnURL, "notify_url": req.NotifyURL} {
		if u == "" {
			continue
		}
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return req, fmt.Errorf("%s must be an absolute http(s) URL", name)
		}
	}
	return req, nil
}

func decodeBody(r *http.Request, v any) error {
	data, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("read body: %w", err)
	}
	if len(strings.TrimSpace(string(data))) == 0 {
		return errors.New("a JSON body is required")
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("invalid JSON body: %w", err)
	}
	return nil
}

func (s *Simulator) getCharge(w http.ResponseWriter, r *http.Request) {
	c, err := s.charge(r.PathValue("id"))
	if err != nil {
		writeAPIError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (s *Simulator) charge(id string) (provider.Charge, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs, ok := s.charges[id]
	if !ok {
		return provider.Charge{}, errNotFound(id)
	}
	return cs.charge, nil
}

func (s *Simulator) cancelCharge(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	s.mu.Lock()
	defer s.mu.Unlock()
	cs, ok := s.charges[id]
	if !ok {
		writeAPIError(w, errNotFound(id))
		return
	}
	if cs.charge.Status == provider.ChargePending {
		s.setStatusLocked(cs, provider.ChargeCancelled, "")
		s.log.Info("charge cancelled", "charge", id)
	}
	writeJSON(w, http.StatusOK, cs.charge)
}

func (s *Simulator) refundCharge(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	key := r.Header.Get("Idempotency-Key")
	if key == "" {
		writeError(w, http.StatusBadRequest, "invalid_request", "the Idempotency-Key header is required")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	cs, ok := s.charges[id]
	if !ok {
		writeAPIError(w, errNotFound(id))
		return
	}
	if other, ok := s.refundKeys[key]; ok && other != id {
		writeError(w, http.StatusConflict, "idempotency_conflict",
			"Idempotency-Key "+key+" was used for a refund of another charge ("+other+")")
		return
	}
	if cs.refund != nil { // refunded already: the same refund, whatever the key
		s.refundKeys[key] = id
		writeJSON(w, http.StatusOK, cs.refund)
		return
	}
	if cs.charge.Status != provider.ChargeSucceeded {
		writeError(w, http.StatusConflict, "not_refundable",
			"charge "+id+" is "+string(cs.charge.Status)+"; only a succeeded charge can be refunded")
		return
	}
	if s.refuseNext > 0 || (s.opts.RefundRefusalRate > 0 && s.rnd.Float64() < s.opts.RefundRefusalRate) {
		s.refuseNext = max(s.refuseNext-1, 0)
		s.log.Info("refund refused (simulated)", "charge", id)
		writeError(w, http.StatusConflict, "refund_refused", "refund of charge "+id+" refused (simulated)")
		return
	}
	now := time.Now().UTC()
	cs.refund = &provider.Refund{
		ID:          newID("re_"),
		ChargeID:    id,
		AmountCents: cs.charge.AmountCents,
		Status:      "succeeded",
		CreatedAt:   now,
	}
	s.refundKeys[key] = id
	cs.charge.RefundedCents = cs.charge.AmountCents
	s.ledger = append(s.ledger, LedgerEntry{
		ChargeID: id, Reference: cs.charge.Reference, OrderID: cs.charge.OrderID,
		Kind: "refund", AmountCents: cs.charge.AmountCents, At: now,
	})
	s.setStatusLocked(cs, provider.ChargeRefunded, "")
	s.log.Info("charge refunded", "charge", id, "refund", cs.refund.ID, "amount_cents", cs.refund.AmountCents)
	writeJSON(w, http.StatusOK, cs.refund)
}

// maxRefuseNext bounds POST /v1/simulator/refund-refusals.
const maxRefuseNext = 1000

// refuseRefunds makes the simulator refuse the next n refunds of succeeded
// charges ({"next": n}; 0 stops refusing): a browser journey or a manual
// test makes a refund be refused without restarting the simulator.
func (s *Simulator) refuseRefunds(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Next int `json:"next"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<10)).Decode(&body); err != nil || body.Next < 0 || body.Next > maxRefuseNext {
		writeError(w, http.StatusBadRequest, "invalid_request", fmt.Sprintf(`want {"next": n} with n in 0..%d`, maxRefuseNext))
		return
	}
	s.mu.Lock()
	s.refuseNext = body.Next
	s.mu.Unlock()
	s.log.Info("refusing the next refunds (simulated)", "next", body.Next)
	writeJSON(w, http.StatusOK, body)
}

func (s *Simulator) getLedger(w http.ResponseWriter, _ *http.Request) {
	s.mu.Lock()
	entries := append([]LedgerEntry{}, s.ledger...)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string][]LedgerEntry{"entries": entries})
}

// act is the shopper's click: approve (declined anyway with probability
// DeclineRate) or decline. Only a pending charge can be acted on.
func (s *Simulator) act(id string, approve bool) (provider.Charge, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs, ok := s.charges[id]
	if !ok {
		return provider.Charge{}, errNotFound(id)
	}
	if cs.charge.Status != provider.ChargePending {
		return cs.charge, &apiError{http.StatusConflict, "not_pending", "charge " + id + " is " + string(cs.charge.Status)}
	}
	switch {
	case !approve:
		s.setStatusLocked(cs, provider.ChargeDeclined, ReasonCustomerDeclined)
	case s.opts.DeclineRate > 0 && s.rnd.Float64() < s.opts.DeclineRate:
		s.setStatusLocked(cs, provider.ChargeDeclined, ReasonCardDeclined)
	default:
		s.misreportLocked(cs)
		s.ledger = append(s.ledger, LedgerEntry{
			ChargeID: id, Reference: cs.charge.Reference, OrderID: cs.charge.OrderID,
			Kind: "charge", AmountCents: cs.charge.AmountCents, At: time.Now().UTC(),
		})
		s.setStatusLocked(cs, provider.ChargeSucceeded, "")
	}
	s.log.Info("customer acted", "charge", id, "approve", approve, "status", cs.charge.Status, "reason", cs.charge.DeclineReason)
	return cs.charge, nil
}

// misreportLocked changes the field Options.Misreport names on a charge
// being approved. s.mu is held.
func (s *Simulator) misreportLocked(cs *chargeState) {
	switch s.opts.Misreport {
	case "amount":
		if cs.charge.AmountCents == 1 {
			cs.charge.AmountCents = 2
		} else {
			cs.charge.AmountCents = 1
		}
	case "currency":
		cs.charge.Currency = "USD"
	case "reference":
		cs.charge.Reference += "-other"
	case "order":
		cs.charge.OrderID += "-other"
	default:
		return
	}
	s.log.Info("charge settles misreported (simulated)", "charge", cs.charge.ID, "field", s.opts.Misreport)
}

// setStatusLocked moves a charge to status and emits its event. s.mu is held.
func (s *Simulator) setStatusLocked(cs *chargeState, status provider.ChargeStatus, reason string) {
	cs.charge.Status = status
	cs.charge.DeclineReason = reason
	cs.charge.UpdatedAt = time.Now().UTC()
	s.emitLocked(cs)
}

func newID(prefix string) string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand panics instead)
	return prefix + hex.EncodeToString(b[:])
}

// Run delivers webhooks until ctx is done, then waits for the attempts in
// flight. Events emitted while Run is not running wait for the next Run.
func (s *Simulator) Run(ctx context.Context) error {
	s.mu.Lock()
	if s.running {
		s.mu.Unlock()
		return errors.New("paysim: Run is already running")
	}
	s.running = true
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		s.running = false
		s.mu.Unlock()
	}()
	return s.deliverLoop(ctx)
}
