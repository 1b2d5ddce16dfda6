package scenario

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"connectrpc.com/connect"

	seckillv1 "mall/gen/mall/seckill/v1"
	"mall/gen/mall/seckill/v1/seckillv1connect"
	"mall/services/bench"
	"mall/services/platform/rpcclient"
)

// resultMode is how the buyers of a results phase learn what became of
// their purchase.
type resultMode string

const (
	modeBuyOnly resultMode = "buy"   // they do not ask
	modeWatch   resultMode = "watch" // WatchPurchaseResult, at once, until the final message
	modePoll    resultMode = "poll"  // GetPurchaseResult every PollEvery until final
)

// WatchJob is the watch client's job, read as JSON on its stdin: each
// buyer (a token) buys once from the sale, then follows its result as
// Mode says.
type WatchJob struct {
	URL     string     `json:"url"`
	EventID string     `json:"eventId"`
	Mode    resultMode `json:"mode"`
	Tokens  []string   `json:"tokens"`
	// Concurrency bounds the purchases in flight (the following runs
	// beside them, one goroutine per buyer).
	Concurrency int `json:"concurrency"`
	// PerConnection buyers share one HTTP/2 connection (a transport of its
	// own each): 20 000 streams fit in a few connections, not 20 000 fds.
	PerConnection int           `json:"perConnection"`
	PollEvery     time.Duration `json:"pollEvery"`
	// GiveUpAfter bounds a buyer's wait for the final result, from its
	// purchase's answer.
	GiveUpAfter time.Duration `json:"giveUpAfter"`
}

// WatchBuyerResult is what one buyer of a job saw.
type WatchBuyerResult struct {
	Ticket  string `json:"ticket,omitempty"`
	State   string `json:"state,omitempty"` // the final state's name; empty when none came
	OrderID string `json:"orderId,omitempty"`
	// FinalAt is when the final message (or poll answer) was received, in
	// Unix nanoseconds of this machine's clock.
	FinalAt  int64  `json:"finalAt,omitempty"`
	Streams  int    `json:"streams,omitempty"`  // streams opened (another after one ended without the final message)
	Messages int    `json:"messages,omitempty"` // stream messages received
	Polls    int    `json:"polls,omitempty"`
	Error    string `json:"error,omitempty"` // the purchase's or the following's, when it failed
}

// WatchClientOutput is the watch client's answer, written as JSON on its
// stdout: the buyers' results in the order of the job's tokens.
type WatchClientOutput struct {
	Buyers      []WatchBuyerResult `json:"buyers"`
	Connections int                `json:"connections"`
}

func (j WatchJob) validate() error {
	switch {
	case j.URL == "" || j.EventID == "" || len(j.Tokens) == 0:
		return errors.New("watch client: the job needs a url, an event id and tokens")
	case j.Mode != modeBuyOnly && j.Mode != modeWatch && j.Mode != modePoll:
		return fmt.Errorf("watch client: unknown mode %q", j.Mode)
	case j.Concurrency < 1 || j.PerConnection < 1 || j.GiveUpAfter <= 0 || (j.Mode == modePoll && j.PollEvery <= 0):
		return errors.New("watch client: concurrency, per-connection, give-up-after (and poll-every to poll) must be positive")
	}
	return nil
}

// RunWatchClient is `mall bench watch-client`: it reads a WatchJob from in,
// runs it against the server and writes a WatchClientOutput to out, with a
// progress line a second to progress. It runs in a process of its own so
// that the server's CPU time is measured without the buyers'.
func RunWatchClient(ctx context.Context, in io.Reader, out, progress io.Writer) error {
	var job WatchJob
	if err := json.NewDecoder(in).Decode(&job); err != nil {
		return fmt.Errorf("watch client: reading the job: %w", err)
	}
	if err := job.validate(); err != nil {
		return err
	}
	n := len(job.Tokens)
	clients := make([]seckillv1connect.SeckillServiceClient, (n+job.PerConnection-1)/job.PerConnection)
	for k := range clients {
		// Connect JSON, GetPurchaseResult over GET, as the SPA calls them.
		clients[k] = seckillv1connect.NewSeckillServiceClient(rpcclient.HTTPClient(), job.URL, connect.WithProtoJSON(), connect.WithHTTPGet())
	}
	results := make([]WatchBuyerResult, n)
	var bought, final atomic.Int64
	stopTicking := tickWatchProgress(progress, string(job.Mode), n, &bought, &final)
	defer stopTicking()
	follow := map[resultMode]func(context.Context, seckillv1connect.SeckillServiceClient, string, WatchJob, *WatchBuyerResult){
		modeWatch: watchResult, modePoll: pollResult}[job.Mode] // none to buy only
	var following sync.WaitGroup
	_ = inParallel(job.Concurrency, n, func(i int) error {
		client, token, r := clients[i%len(clients)], job.Tokens[i], &results[i]
		res, err := client.Purchase(ctx, withToken(token, &seckillv1.PurchaseRequest{EventId: job.EventID}))
		if err != nil {
			r.Error = "purchase: " + err.Error()
			return nil
		}
		bought.Add(1)
		r.Ticket = res.Msg.GetTicket()
		if follow != nil {
			following.Go(func() {
				follow(ctx, client, token, job, r)
				if r.State != "" {
					final.Add(1)
				}
			})
		}
		return nil
	})
	following.Wait()
	return json.NewEncoder(out).Encode(WatchClientOutput{Buyers: results, Connections: len(clients)})
}

// finalResult notes res in r when it is final (the order written, or the
// purchase failed), received at.
func finalResult(r *WatchBuyerResult, res *seckillv1.GetPurchaseResultResponse, at time.Time) bool {
	if res.GetState() == seckillv1.PurchaseState_PURCHASE_STATE_QUEUED || res.GetState() == seckillv1.PurchaseState_PURCHASE_STATE_UNSPECIFIED {
		return false
	}
	r.State, r.OrderID, r.FinalAt = res.GetState().String(), res.GetOrderId(), at.UnixNano()
	return true
}

// watchResult follows r's ticket with WatchPurchaseResult until its final
// message, saying at first that it has just purchased (so the server does
// not read the QUEUED result the buyer holds), as the SPA does; a stream
// that ends cleanly before it (its lifetime is up) is called again.
func watchResult(ctx context.Context, client seckillv1connect.SeckillServiceClient, token string, job WatchJob, r *WatchBuyerResult) {
	ctx, cancel := context.WithTimeout(ctx, job.GiveUpAfter)
	defer cancel()
	for ctx.Err() == nil {
		r.Streams++
		stream, err := client.WatchPurchaseResult(ctx, withToken(token, &seckillv1.WatchPurchaseResultRequest{Ticket: r.Ticket, JustPurchased: r.Streams == 1}))
		if err != nil {
			r.Error = "watch: " + err.Error()
			return
		}
		for stream.Receive() {
			at := time.Now()
			r.Messages++
			if finalResult(r, stream.Msg().GetResult(), at) {
				_ = stream.Close()
				return
			}
		}
		err = stream.Err()
		_ = stream.Close()
		if err != nil {
			r.Error = "watch: " + err.Error()
			return
		}
	}
	r.Error = fmt.Sprintf("watch: no final result within %v", job.GiveUpAfter)
}

// pollResult asks GetPurchaseResult for r's ticket every job.PollEvery,
// the first time one interval after the purchase, until it is final.
func pollResult(ctx context.Context, client seckillv1connect.SeckillServiceClient, token string, job WatchJob, r *WatchBuyerResult) {
	ctx, cancel := context.WithTimeout(ctx, job.GiveUpAfter)
	defer cancel()
	tick := time.NewTicker(job.PollEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			r.Error = fmt.Sprintf("poll: no final result within %v", job.GiveUpAfter)
			return
		case <-tick.C:
		}
		r.Polls++
		res, err := client.GetPurchaseResult(ctx, withToken(token, &seckillv1.GetPurchaseResultRequest{Ticket: r.Ticket}))
		if err != nil {
			r.Error = "poll: " + err.Error()
			return
		}
		if finalResult(r, res.Msg, time.Now()) {
			return
		}
	}
}

// tickWatchProgress writes a line a second to progress: purchases answered
// and final results received so far, until the returned stop is called.
func tickWatchProgress(progress io.Writer, name string, n int, bought, final *atomic.Int64) (stop func()) {
	start := time.Now()
	return bench.EverySecond(func(now time.Time) {
		fmt.Fprintf(progress, "%-24s %5.0fs %6d/%d bought %6d final\n", "client: "+name, now.Sub(start).Seconds(), bought.Load(), n, final.Load())
	})
}
