package seckill

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/valkey-io/valkey-go"
)

// The live state of a sale is in Valkey, under one hash tag per event so a
// script's keys share a cluster slot:
//
//	<prefix>{<event>}:ready   present while admission may run (set when the
//	                          stock is loaded or rebuilt; a Valkey loss removes it);
//	                          "closed" once an operator ended the sale early
//	<prefix>{<event>}:admissions:<unix second>  hash outcome -> attempts in that
//	                          second (the dashboard's last minute; dashboard.go)
//	<prefix>{<event>}:admissions  hash outcome -> attempts since the sale began
//	<prefix>{<event>}:stock   units left
//	<prefix>{<event>}:rate:<user>  the buyer's GCRA state (rate limit)
//	<prefix>{<event>}:buyers  hash user -> ticket of their accepted purchase,
//	                          "order" once rebuilt from a written order, or
//	                          "released" once its unpaid order expired
//
// One user buys at most once per event (the order database enforces the
// same with a unique key), so "released" keeps a user who let their order
// expire from buying again while their unit goes back to the sale.
type saleKeys struct{ ready, stock, buyers, lock, rate, outbox string }

func (s *Service) keys(eventID string) saleKeys {
	base := s.opts.KeyPrefix + "{" + eventID + "}:"
	return saleKeys{ready: base + "ready", stock: base + "stock", buyers: base + "buyers", lock: base + "reconciling",
		rate: base + "rate:", outbox: base + "outbox"}
}

// Admission outcomes of admitScript: {outcome, value}.
const (
	admitAccepted      = 0 // value: units left
	admitAlreadyBought = 1
	admitSoldOut       = 2
	admitNotReady      = 3
	admitRateLimited   = 4 // value: milliseconds to wait
	admitNeedsAddress  = 5 // asked without the buyer's address, and it would be admitted
	admitClosed        = 6 // the sale was ended early (EndEvent)
)

// closedMark is the ready flag of a sale ended early: admission refuses
// it in every process at once, whatever their copy of the event says.
const closedMark = "closed"

const releasedMark = "released"

// admitScript is the whole admission decision for a batch of purchases
// of one sale, atomically and in one round trip, each decided as if it
// ran alone after the ones before it: the buyer's rate (GCRA on the
// server's clock, as platform/ratelimit: every attempt counts), the sale
// is ready, this user has not bought, there is stock; then take it and
// record the user with their ticket, and keep the purchase record in the
// sale's outbox (ticket -> record) until it is in Kafka: a process that
// dies between this script and the produce leaves it there, and the
// outbox relay produces it, so an admission can never be lost. A sale
// ended early is answered 6. A caller that expects the sale to be sold out
// asks without having resolved the buyer's address ('0'): a purchase that
// would be admitted is then answered 5 before anything is counted or
// taken, and the caller asks again with the address.
// KEYS: ready, stock, buyers, outbox, then each purchase's rate key.
// ARGV: GCRA interval (ms), burst, then five per purchase: user, quantity,
// ticket, record, address resolved ('1'/'0').
// Answers {outcome, value} per purchase, in one flat list.
var admitScript = valkey.NewLuaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval, burst = tonumber(ARGV[1]), tonumber(ARGV[2])
local ready = redis.call('GET', KEYS[1])
local out = {}
for i = 1, #KEYS - 4 do
  local a = 2 + (i - 1) * 5
  local user, qty, ticket = ARGV[a + 1], tonumber(ARGV[a + 2]), ARGV[a + 3]
  local outcome, value = 0, 0
  if ARGV[a + 5] == '0' and ready and redis.call('HEXISTS', KEYS[3], user) == 0
    and tonumber(redis.call('GET', KEYS[2]) or '0') >= qty then
    outcome = 5
  else
    local rate = KEYS[4 + i]
    local tat = tonumber(redis.call('GET', rate) or now)
    if tat < now then tat = now end
    local new_tat = tat + interval
    local allow_at = new_tat - burst * interval
    if allow_at > now then
      outcome, value = 4, allow_at - now
    else
      redis.call('SET', rate, new_tat, 'PX', new_tat - now)
      if not ready then outcome = 3
      elseif ready == 'closed' then outcome = 6
      elseif redis.call('HEXISTS', KEYS[3], user) == 1 then outcome = 1
      else
        local left = tonumber(redis.call('GET', KEYS[2]) or '0')
        if left < qty then outcome = 2
        else
          redis.call('DECRBY', KEYS[2], qty)
          redis.call('HSET', KEYS[3], user, ticket)
          redis.call('HSET', KEYS[4], ticket, ARGV[a + 4])
          value = left - qty
        end
      end
    end
  end
  out[#out + 1] = outcome
  out[#out + 1] = value
end
return out`)

// undoScript gives back an admission whose record could not be produced,
// if it is still this ticket's, and drops the record from the outbox.
// KEYS: ready, stock, buyers, outbox.
var undoScript = valkey.NewLuaScript(`
redis.call('HDEL', KEYS[4], ARGV[3])
if redis.call('HGET', KEYS[3], ARGV[1]) ~= ARGV[3] then return 0 end
redis.call('HDEL', KEYS[3], ARGV[1])
redis.call('INCRBY', KEYS[2], ARGV[2])
return 1`)

// releaseScript returns an expired order's units to the sale once: the
// buyer is marked released. Without a ready sale it does nothing: the
// reconciler counts from the orders, where the order is already CANCELLED.
var releaseScript = valkey.NewLuaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
local v = redis.call('HGET', KEYS[3], ARGV[1])
if (not v) or v == 'released' then return 0 end
redis.call('HSET', KEYS[3], ARGV[1], 'released')
redis.call('INCRBY', KEYS[2], ARGV[2])
return 1`)

// loadScript replaces a sale's state at once: stock, buyers (ARGV pairs
// after the stock) and the ready flag.
var loadScript = valkey.NewLuaScript(`
redis.call('DEL', KEYS[3])
for i = 2, #ARGV, 2 do redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 1]) end
redis.call('SET', KEYS[2], ARGV[1])
redis.call('SET', KEYS[1], '1')
return 1`)

func (k saleKeys) list() []string { return []string{k.ready, k.stock, k.buyers} }

// An admission is one purchase waiting for its sale's admission script.
type admission struct {
	userID, ticket string
	qty            int32
	record         []byte
	resolved       bool // the record holds the buyer's address
	// Set before done is closed.
	outcome, value int64
	err            error
	done           chan struct{}
}

// admissionQueue gathers the admissions of one sale that arrive while
// others are in Valkey: they go in the next script call together, up to
// maxAdmissionBatch, at most maxAdmissionBatchesInFlight calls at once.
// One script call for many purchases costs Valkey and this process a
// command, a reply and their system calls instead of one each; a purchase
// that arrives alone is sent at once.
type admissionQueue struct {
	mu      sync.Mutex
	pending []*admission
	running int
}

const (
	maxAdmissionBatch           = 64
	maxAdmissionBatchesInFlight = 4
	// admitTimeout bounds one script call; it is not the caller's to
	// cancel: the batch holds other buyers' purchases.
	admitTimeout = 5 * time.Second
)

// join queues a and says whether the caller should run a batch itself.
func (q *admissionQueue) join(a *admission) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.pending = append(q.pending, a)
	if q.running >= maxAdmissionBatchesInFlight {
		return false // a running batch's runner takes it
	}
	q.running++
	return true
}

// take is the next batch: the oldest waiting admissions (none when
// another runner took them first).
func (q *admissionQueue) take() []*admission {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := min(len(q.pending), maxAdmissionBatch)
	batch := slices.Clone(q.pending[:n])
	q.pending = slices.Delete(q.pending, 0, n)
	return batch
}

// finish ends a runner's batch: it says whether admissions are waiting
// (the runner keeps its place for them), else gives the place up.
func (q *admissionQueue) finish() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.pending) > 0 {
		return true
	}
	q.running--
	return false
}

// admit decides one purchase with admitScript, in a batch with the sale's
// other purchases in flight, and returns its outcome and value. The
// caller always learns the outcome: an admitted purchase is never left
// unknown to the process that must produce it.
func (s *Service) admit(ctx context.Context, eventID, userID, ticket string, qty int32, record []byte, addressResolved bool) (int64, int64, error) {
	a := &admission{userID: userID, ticket: ticket, qty: qty, record: record, resolved: addressResolved, done: make(chan struct{})}
	value, _ := s.admissionQueues.LoadOrStore(eventID, &admissionQueue{})
	q := value.(*admissionQueue)
	if q.join(a) {
		s.runAdmissions(context.WithoutCancel(ctx), eventID, q)
	}
	<-a.done
	return a.outcome, a.value, a.err
}

// runAdmissions sends one batch of q, then leaves the rest (arrived
// meanwhile) to a goroutine of its own, so that its caller answers its
// buyer now.
func (s *Service) runAdmissions(ctx context.Context, eventID string, q *admissionQueue) {
	if batch := q.take(); len(batch) > 0 {
		s.admitBatch(ctx, eventID, batch)
	}
	if q.finish() {
		go s.runAdmissions(ctx, eventID, q)
	}
}

// admitBatch runs admitScript for batch and hands each admission its
// outcome (or the call's error).
func (s *Service) admitBatch(ctx context.Context, eventID string, batch []*admission) {
	k := s.keys(eventID)
	interval := max(s.opts.RateLimit.Period.Milliseconds()/int64(s.opts.RateLimit.Burst), 1)
	keys := append(make([]string, 0, 4+len(batch)), k.ready, k.stock, k.buyers, k.outbox)
	args := append(make([]string, 0, 2+5*len(batch)), strconv.FormatInt(interval, 10), strconv.Itoa(s.opts.RateLimit.Burst))
	for _, a := range batch {
		resolved := "0"
		if a.resolved {
			resolved = "1"
		}
		keys = append(keys, k.rate+a.userID)
		args = append(args, a.userID, strconv.Itoa(int(a.qty)), a.ticket, string(a.record), resolved)
	}
	ctx, cancel := context.WithTimeout(ctx, admitTimeout)
	defer cancel()
	res, err := admitScript.Exec(ctx, s.valkey, keys, args).AsIntSlice()
	if err == nil && len(res) != 2*len(batch) {
		err = fmt.Errorf("admission answered %d values for %d purchases", len(res), len(batch))
	}
	admissionBatchSize.Observe(float64(len(batch)))
	for i, a := range batch {
		if err != nil {
			a.err = err
		} else {
			a.outcome, a.value = res[2*i], res[2*i+1]
		}
		close(a.done)
	}
}

var admissionBatchSize = promauto.NewHistogram(prometheus.HistogramOpts{
	Name:    "mall_seckill_admission_batch_purchases",
	Help:    "Purchases decided per admission script call (the purchases of one sale that arrived while others were in Valkey).",
	Buckets: []float64{1, 2, 4, 8, 16, 32, 48, 64},
})

func (s *Service) undo(ctx context.Context, eventID, userID, ticket string, qty int32) error {
	k := s.keys(eventID)
	return undoScript.Exec(ctx, s.valkey, []string{k.ready, k.stock, k.buyers, k.outbox}, []string{userID, strconv.Itoa(int(qty)), ticket}).Error()
}

func (s *Service) release(ctx context.Context, eventID, userID string, qty int32) (bool, error) {
	n, err := releaseScript.Exec(ctx, s.valkey, s.keys(eventID).list(), []string{userID, strconv.Itoa(int(qty))}).AsInt64()
	return n == 1, err
}

// load sets a sale's stock and buyers and opens admission.
func (s *Service) load(ctx context.Context, eventID string, stock int64, buyers map[string]string) error {
	args := make([]string, 0, 1+2*len(buyers))
	args = append(args, strconv.FormatInt(stock, 10))
	for user, mark := range buyers {
		args = append(args, user, mark)
	}
	return loadScript.Exec(ctx, s.valkey, s.keys(eventID).list(), args).Error()
}

// remaining is the stock left in Valkey; ok is false when the sale is not
// ready (not loaded yet, or lost).
func (s *Service) remaining(ctx context.Context, eventID string) (int64, bool, error) {
	k := s.keys(eventID)
	res := s.valkey.DoMulti(ctx, s.valkey.B().Exists().Key(k.ready).Build(), s.valkey.B().Get().Key(k.stock).Build())
	ready, err := res[0].AsInt64()
	if err != nil {
		return 0, false, err
	}
	if ready == 0 {
		return 0, false, nil
	}
	left, err := res[1].AsInt64()
	if valkey.IsValkeyNil(err) {
		return 0, false, nil
	}
	return left, err == nil, err
}

// close marks a sale ended early: admission answers admitClosed from now on.
func (s *Service) close(ctx context.Context, eventID string) error {
	return s.valkey.Do(ctx, s.valkey.B().Set().Key(s.keys(eventID).ready).Value(closedMark).Build()).Error()
}
