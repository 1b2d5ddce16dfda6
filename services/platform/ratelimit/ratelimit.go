// Package ratelimit is a Valkey-backed limiter (GCRA: one key and one
// atomic script per check), shared by every process that uses the same key.
package ratelimit

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"connectrpc.com/connect"
	"github.com/valkey-io/valkey-go"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/protobuf/types/known/durationpb"

	"mall/services/platform/rpcerr"
)

// ReasonRateLimited is the ErrorInfo reason of a refused call.
const ReasonRateLimited = "RATE_LIMITED"

// Limit allows Burst events at once and then one every Period/Burst.
type Limit struct {
	Burst  int
	Period time.Duration
}

// String writes the limit as flags take it: "<burst>/<period>", e.g. "5/1m0s".
func (l Limit) String() string { return strconv.Itoa(l.Burst) + "/" + l.Period.String() }

// Set parses "<burst>/<period>" (e.g. "5/1m": five at once, then one every
// 12 s), so a Limit is a command-line flag.
func (l *Limit) Set(text string) error {
	burstText, periodText, ok := strings.Cut(text, "/")
	if !ok {
		return fmt.Errorf("limit %q: want <burst>/<period>, e.g. 5/1m", text)
	}
	burst, err := strconv.Atoi(strings.TrimSpace(burstText))
	if err != nil || burst < 1 {
		return fmt.Errorf("limit %q: the burst is a whole number of at least 1", text)
	}
	period, err := time.ParseDuration(strings.TrimSpace(periodText))
	if err != nil || period <= 0 {
		return fmt.Errorf("limit %q: the period is a positive duration such as 1m or 1h", text)
	}
	l.Burst, l.Period = burst, period
	return nil
}

// Type names the flag's value in help texts.
func (l *Limit) Type() string { return "burst/period" }

// gcraScript keeps the theoretical arrival time (TAT) of the next event in
// milliseconds. The clock is the server's, so every process agrees on time,
// unless ARGV[3] names the caller's (a limiter whose clock a test moves).
// The key expires when its TAT has passed: a later event would start afresh
// anyway (tat < now).
var gcraScript = valkey.NewLuaScript(`
local now
if ARGV[3] ~= '' then
  now = tonumber(ARGV[3])
else
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval
local allow_at = new_tat - burst * interval
if allow_at > now then return allow_at - now end
redis.call('SET', KEYS[1], new_tat, 'PX', new_tat - now)
return 0`)

// Limiter checks limits in Valkey.
type Limiter struct {
	client valkey.Client
	prefix string
	// Now, when set, is the clock limits are counted on; nil (production)
	// counts on the Valkey server's clock. Valkey still expires a key after
	// the rest of its window in real time, so a clock that runs slower than
	// real time forgets early: a test that sets Now moves it forward and
	// uses windows far longer than the test runs.
	Now func() time.Time
}

// New returns a limiter whose keys start with prefix, on Valkey's clock.
func New(client valkey.Client, prefix string) *Limiter {
	return &Limiter{client: client, prefix: prefix}
}

// Allow records one event for key and reports how long to wait when it is
// over the limit (0: allowed).
func (l *Limiter) Allow(ctx context.Context, key string, limit Limit) (time.Duration, error) {
	interval := limit.Period.Milliseconds() / int64(limit.Burst)
	if interval < 1 {
		interval = 1
	}
	now := "" // the server's clock
	if l.Now != nil {
		now = strconv.FormatInt(l.Now().UnixMilli(), 10)
	}
	wait, err := gcraScript.Exec(ctx, l.client, []string{l.prefix + key},
		[]string{strconv.FormatInt(interval, 10), strconv.Itoa(limit.Burst), now}).AsInt64()
	if err != nil {
		return 0, err
	}
	return time.Duration(wait) * time.Millisecond, nil
}

// Exhausted is the Connect error for a refused call, with a RetryInfo hint.
func Exhausted(message string, retryAfter time.Duration) *connect.Error {
	err := rpcerr.New(connect.CodeResourceExhausted, ReasonRateLimited, message)
	if detail, detailErr := connect.NewErrorDetail(&errdetails.RetryInfo{RetryDelay: durationpb.New(retryAfter)}); detailErr == nil {
		err.AddDetail(detail)
	}
	return err
}
