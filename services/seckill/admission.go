package seckill

import (
	"context"
	"strconv"

	"github.com/valkey-io/valkey-go"
)

// The live state of a sale is in Valkey, under one hash tag per event so a
// script's keys share a cluster slot:
//
//	<prefix>{<event>}:ready   present while admission may run (set when the
//	                          stock is loaded or rebuilt; a Valkey loss removes it)
//	<prefix>{<event>}:stock   units left
//	<prefix>{<event>}:buyers  hash user -> ticket of their accepted purchase,
//	                          "order" once rebuilt from a written order, or
//	                          "released" once its unpaid order expired
//
// One user buys at most once per event (the order database enforces the
// same with a unique key), so "released" keeps a user who let their order
// expire from buying again while their unit goes back to the sale.
type saleKeys struct{ ready, stock, buyers, lock string }

func (s *Service) keys(eventID string) saleKeys {
	base := s.opts.KeyPrefix + "{" + eventID + "}:"
	return saleKeys{ready: base + "ready", stock: base + "stock", buyers: base + "buyers", lock: base + "reconciling"}
}

// Admission outcomes of admitScript (non-negative values are the stock left).
const (
	admitAlreadyBought = -1
	admitSoldOut       = -2
	admitNotReady      = -3
)

const releasedMark = "released"

// admitScript is the whole admission decision, atomically: the sale is
// ready, this user has not bought, there is stock; then take it and record
// the user with their ticket.
var admitScript = valkey.NewLuaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return -3 end
if redis.call('HEXISTS', KEYS[3], ARGV[1]) == 1 then return -1 end
local qty = tonumber(ARGV[2])
local left = tonumber(redis.call('GET', KEYS[2]) or '0')
if left < qty then return -2 end
redis.call('DECRBY', KEYS[2], qty)
redis.call('HSET', KEYS[3], ARGV[1], ARGV[3])
return left - qty`)

// undoScript gives back an admission whose record could not be produced,
// if it is still this ticket's.
var undoScript = valkey.NewLuaScript(`
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

func (s *Service) admit(ctx context.Context, eventID, userID, ticket string, qty int32) (int64, error) {
	return admitScript.Exec(ctx, s.valkey, s.keys(eventID).list(), []string{userID, strconv.Itoa(int(qty)), ticket}).AsInt64()
}

func (s *Service) undo(ctx context.Context, eventID, userID, ticket string, qty int32) error {
	return undoScript.Exec(ctx, s.valkey, s.keys(eventID).list(), []string{userID, strconv.Itoa(int(qty)), ticket}).Error()
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
