package paysim

import (
	"bytes"
	"container/heap"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"time"

	"mall/services/pay/provider"
)

// Webhook delivery. Every event of a charge goes into that charge's lane and
// the lane delivers in order: its head is retried (exponential backoff) until
// acknowledged, then the next event goes. Fault injection takes events out of
// that order: a held-back event (ReorderRate) and the second copy of a
// duplicated one (DuplicateRate) are delivered on their own schedule; a lost
// event (LossRate) is never delivered.

type delivery struct {
	ev       provider.Event
	data     []byte // the event JSON: the signed payload
	url      string
	lane     string // charge id when delivered in order; "" when on its own
	note     string // "", "held back", "duplicate": for the logs
	attempts int    // failed attempts so far
	due      time.Time
}

// lane is the in-order queue of one charge's events; queue[0] is scheduled or
// in flight.
type lane struct{ queue []*delivery }

type deliveryStats struct {
	emitted, dropped, acknowledged, failedAttempts int
}

type deliveryHeap []*delivery

func (h deliveryHeap) Len() int           { return len(h) }
func (h deliveryHeap) Less(i, j int) bool { return h[i].due.Before(h[j].due) }
func (h deliveryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *deliveryHeap) Push(x any)        { *h = append(*h, x.(*delivery)) }
func (h *deliveryHeap) Pop() any {
	old := *h
	d := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return d
}

// emitLocked records the charge's current state as a new event and schedules
// its delivery, applying the fault injection. s.mu is held.
func (s *Simulator) emitLocked(cs *chargeState) {
	cs.seq++
	now := time.Now()
	ev := provider.Event{
		ID:       newID("evt_"),
		Type:     "charge." + string(cs.charge.Status),
		Created:  now.Unix(),
		Sequence: cs.seq,
		Charge:   cs.charge,
	}
	s.stats.emitted++
	target := cs.charge.NotifyURL
	if target == "" {
		target = s.opts.NotifyURL
	}
	// Draw every die each time so a seed gives the same faults for the same events.
	lose, reorder, duplicate := s.rnd.Float64(), s.rnd.Float64(), s.rnd.Float64()
	holdFor := time.Duration(s.rnd.Int64N(int64(2*s.opts.RetryMax) + 1))
	dupAfter := s.opts.RetryMin + time.Duration(s.rnd.Int64N(int64(4*s.opts.RetryMin)+1))
	if target == "" {
		s.stats.dropped++
		s.log.Warn("webhook not sent: no notify URL", "event", ev.ID, "type", ev.Type, "charge", ev.Charge.ID)
		return
	}
	if lose < s.opts.LossRate {
		s.stats.dropped++
		s.log.Info("webhook lost (simulated)", "event", ev.ID, "type", ev.Type, "charge", ev.Charge.ID, "sequence", ev.Sequence)
		return
	}
	data, err := json.Marshal(ev)
	if err != nil { // cannot happen: plain fields only
		panic(err)
	}
	d := &delivery{ev: ev, data: data, url: target}
	if reorder < s.opts.ReorderRate {
		d.note, d.due = "held back", now.Add(holdFor)
		s.scheduleLocked(d)
	} else {
		d.lane = cs.charge.ID
		l := s.lanes[d.lane]
		if l == nil {
			l = &lane{}
			s.lanes[d.lane] = l
		}
		l.queue = append(l.queue, d)
		if len(l.queue) == 1 {
			d.due = now
			s.scheduleLocked(d)
		}
	}
	if duplicate < s.opts.DuplicateRate {
		dup := &delivery{ev: ev, data: data, url: target, note: "duplicate", due: d.due.Add(dupAfter)}
		if d.due.IsZero() {
			dup.due = now.Add(dupAfter)
		}
		s.scheduleLocked(dup)
	}
}

func (s *Simulator) scheduleLocked(d *delivery) {
	heap.Push(&s.queue, d)
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// maxConcurrentDeliveries bounds the webhook requests in flight, so a burst of
// events does not open hundreds of connections to the merchant at once.
const maxConcurrentDeliveries = 32

// newWebhookClient keeps enough idle connections to reuse them for every
// delivery slot.
func newWebhookClient() *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = 4 * maxConcurrentDeliveries
	tr.MaxIdleConnsPerHost = maxConcurrentDeliveries
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

// deliverLoop starts each delivery when it is due, until ctx is done.
func (s *Simulator) deliverLoop(ctx context.Context) error {
	var wg sync.WaitGroup
	slots := make(chan struct{}, maxConcurrentDeliveries)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		s.mu.Lock()
		now := time.Now()
		var due []*delivery
		for s.queue.Len() > 0 && !s.queue[0].due.After(now) {
			due = append(due, heap.Pop(&s.queue).(*delivery))
		}
		wait := time.Hour
		if s.queue.Len() > 0 {
			wait = s.queue[0].due.Sub(now)
		}
		s.inflight += len(due)
		s.mu.Unlock()

		for _, d := range due {
			wg.Add(1)
			go func() {
				defer wg.Done()
				select {
				case slots <- struct{}{}:
					defer func() { <-slots }()
				case <-ctx.Done(): // the attempt fails at once and is kept for the next Run
				}
				s.attempt(ctx, d) // signs when it sends, not when it was queued
			}()
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			wg.Wait()
			return nil
		case <-s.wake:
		case <-timer.C:
		}
	}
}

// attempt posts d once and schedules what follows: the lane's next event on
// success, a retry of d on failure.
func (s *Simulator) attempt(ctx context.Context, d *delivery) {
	status, err := s.post(ctx, d)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inflight--
	now := time.Now()
	if err == nil && status >= 200 && status <= 299 {
		s.stats.acknowledged++
		s.log.Debug("webhook delivered", "event", d.ev.ID, "type", d.ev.Type, "charge", d.ev.Charge.ID,
			"sequence", d.ev.Sequence, "attempt", d.attempts+1, "note", d.note)
		if d.lane != "" {
			l := s.lanes[d.lane]
			l.queue[0] = nil
			l.queue = l.queue[1:]
			if len(l.queue) == 0 {
				delete(s.lanes, d.lane)
			} else {
				next := l.queue[0]
				next.due = now
				s.scheduleLocked(next)
			}
		}
		return
	}
	if ctx.Err() != nil { // stopping: not the receiver's fault; the next Run sends it
		d.due = now
		heap.Push(&s.queue, d)
		return
	}
	d.attempts++
	s.stats.failedAttempts++
	backoff := s.backoffLocked(d.attempts)
	s.log.Info("webhook delivery failed; will retry", "event", d.ev.ID, "type", d.ev.Type, "charge", d.ev.Charge.ID,
		"url", d.url, "status", status, "err", err, "attempt", d.attempts, "retry_in", backoff.String())
	d.due = now.Add(backoff)
	s.scheduleLocked(d)
}

// backoffLocked is RetryMin doubled per failed attempt, plus up to 20 % jitter,
// capped at RetryMax.
func (s *Simulator) backoffLocked(attempts int) time.Duration {
	b := s.opts.RetryMin
	for i := 1; i < attempts && b < s.opts.RetryMax; i++ {
		b *= 2
	}
	b += time.Duration(s.rnd.Int64N(int64(b)/5 + 1))
	return min(b, s.opts.RetryMax)
}

// post sends d, signed now, and returns the receiver's HTTP status.
func (s *Simulator) post(ctx context.Context, d *delivery) (int, error) {
	body, err := json.Marshal(webhookBody{Payload: d.data, Signature: provider.SignWebhook(s.opts.WebhookSecret, d.data, time.Now())})
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Connect-Protocol-Version", "1")
	req.Header.Set("User-Agent", "mall-paysim/1")
	resp, err := s.hc.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}

// webhookBody is the Connect JSON form of mall.pay.v1.ProviderWebhookRequest:
// bytes are base64 (standard, padded), which encoding/json does for []byte.
type webhookBody struct {
	Payload   []byte `json:"payload"`
	Signature string `json:"signature"`
}

// idle reports whether no webhook is waiting or in flight (for tests).
func (s *Simulator) idle() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.queue.Len() == 0 && len(s.lanes) == 0 && s.inflight == 0
}

func (s *Simulator) deliveryStats() deliveryStats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stats
}
