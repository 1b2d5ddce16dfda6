package seckill

import (
	"context"
	"fmt"
	"strconv"

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

// admitScript is the whole admission decision, atomically and in one
// round trip: the buyer's rate (GCRA on the server's clock, as
// platform/ratelimit: every attempt counts), the sale is ready, this user
// has not bought, there is stock; then take it and record the user with
// their ticket, and keep the purchase record in the sale's outbox (ticket
// -> record) until it is in Kafka: a process that dies between this script
// and the produce leaves it there, and the outbox relay produces it, so an
// admission can never be lost. A sale ended early is answered 6. A caller
// that expects the sale to be sold out asks without having resolved the
// buyer's address (ARGV[7] = '0'): a purchase that would be admitted is
// then answered 5 before anything is counted or taken, and the caller asks
// again with the address. KEYS:
// ready, stock, buyers, the buyer's rate key, outbox; ARGV: user, quantity,
// ticket, GCRA interval (ms), burst, record, address resolved ('1'/'0').
var admitScript = valkey.NewLuaScript(`
if ARGV[7] == '0' and redis.call('EXISTS', KEYS[1]) == 1 and redis.call('HEXISTS', KEYS[3], ARGV[1]) == 0
  and tonumber(redis.call('GET', KEYS[2]) or '0') >= tonumber(ARGV[2]) then
  return {5, 0}
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[4])
local tat = tonumber(redis.call('GET', KEYS[4]) or now)
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - tonumber(ARGV[5]) * interval
if allow_at > now then return {4, allow_at - now} end
redis.call('SET', KEYS[4], new_tat, 'PX', new_tat - now)
local ready = redis.call('GET', KEYS[1])
if not ready then return {3, 0} end
if ready == 'closed' then return {6, 0} end
if redis.call('HEXISTS', KEYS[3], ARGV[1]) == 1 then return {1, 0} end
local qty = tonumber(ARGV[2])
local left = tonumber(redis.call('GET', KEYS[2]) or '0')
if left < qty then return {2, 0} end
redis.call('DECRBY', KEYS[2], qty)
redis.call('HSET', KEYS[3], ARGV[1], ARGV[3])
redis.call('HSET', KEYS[5], ARGV[3], ARGV[6])
return {0, left - qty}`)

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

// admit runs admitScript for one purchase and returns its outcome and value.
func (s *Service) admit(ctx context.Context, eventID, userID, ticket string, qty int32, record []byte, addressResolved bool) (int64, int64, error) {
	k := s.keys(eventID)
	interval := max(s.opts.RateLimit.Period.Milliseconds()/int64(s.opts.RateLimit.Burst), 1)
	resolved := "0"
	if addressResolved {
		resolved = "1"
	}
	res, err := admitScript.Exec(ctx, s.valkey, []string{k.ready, k.stock, k.buyers, k.rate + userID, k.outbox},
		[]string{userID, strconv.Itoa(int(qty)), ticket, strconv.FormatInt(interval, 10), strconv.Itoa(s.opts.RateLimit.Burst),
			string(record), resolved}).AsIntSlice()
	if err != nil {
		return 0, 0, err
	}
	if len(res) != 2 {
		return 0, 0, fmt.Errorf("admission answered %v", res)
	}
	return res[0], res[1], nil
}

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
