package seckill

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/valkey-io/valkey-go"
	"google.golang.org/protobuf/proto"

	seckillv1 "mall/gen/mall/seckill/v1"
)

// The admission script keeps each accepted purchase's record in the sale's
// outbox (a Valkey hash, ticket -> record) until Purchase has produced it
// to Kafka. A serve process that dies in between (SIGKILL, OOM) would
// otherwise leave a buyer admitted, the unit taken and no order ever
// written; the relay finds such records and produces them.

var outboxRelayed = promauto.NewCounter(prometheus.CounterOpts{
	Name: "mall_seckill_outbox_relayed_total",
	Help: "Accepted purchases produced by the outbox relay because the process that admitted them did not (it died first).",
})

type producedTicket struct{ eventID, ticket string }

// clearFromOutbox hands a produced ticket to ClearOutboxes, which removes
// it from the outbox with others in one command; when that loop is behind
// (or not running), the ticket is removed here. A ticket whose removal is
// lost with its process is produced again by the relay, which the
// writers' idempotence absorbs.
func (s *Service) clearFromOutbox(ctx context.Context, eventID, ticket string) {
	select {
	case s.produced <- producedTicket{eventID, ticket}:
		return
	default:
	}
	if err := s.valkey.Do(ctx, s.valkey.B().Hdel().Key(s.keys(eventID).outbox).Field(ticket).Build()).Error(); err != nil {
		s.logger.WarnContext(ctx, "clear the outbox entry", "event_id", eventID, "ticket", ticket, "err", err)
	}
}

// ClearOutboxes removes produced tickets from their outboxes until ctx
// ends: whatever has arrived, up to 512 at a time, in one HDEL per sale.
// One command per purchase instead cost the admission path an eighth of
// its throughput (mall bench seckill).
func (s *Service) ClearOutboxes(ctx context.Context) error {
	for {
		var first producedTicket
		select {
		case <-ctx.Done():
			return nil
		case first = <-s.produced:
		}
		byEvent := map[string][]string{first.eventID: {first.ticket}}
	collect:
		for range 511 {
			select {
			case p := <-s.produced:
				byEvent[p.eventID] = append(byEvent[p.eventID], p.ticket)
			default:
				break collect
			}
		}
		cmds := make(valkey.Commands, 0, len(byEvent))
		for eventID, tickets := range byEvent {
			cmds = append(cmds, s.valkey.B().Hdel().Key(s.keys(eventID).outbox).Field(tickets...).Build())
		}
		for _, res := range s.valkey.DoMulti(context.WithoutCancel(ctx), cmds...) {
			if err := res.Error(); err != nil {
				s.logger.WarnContext(ctx, "clear outbox entries", "err", err)
			}
		}
	}
}

// outboxWindow is how long after a sale ends its outbox is still relayed.
const outboxWindow = time.Hour

// RelayOutboxes relays, every RelayEvery until ctx ends, the outbox
// entries of live and recently ended sales that are older than RelayAfter.
// Every serve process runs it; two relaying one record produce it twice,
// which the writers' idempotence (one order per sale and buyer) absorbs.
func (s *Service) RelayOutboxes(ctx context.Context) error {
	return every(ctx, s.opts.RelayEvery, func() {
		now := time.Now()
		events, err := eventsEndedAfter(ctx, s.db, dbTime(now), dbTime(now.Add(-outboxWindow)))
		if err != nil {
			s.logger.WarnContext(ctx, "list sales for the outbox relay", "err", err)
			return
		}
		for _, ev := range events {
			if n, err := s.relayOutbox(ctx, ev.ID, now); err != nil {
				s.logger.WarnContext(ctx, "relay the outbox", "event_id", ev.ID, "err", err)
			} else if n > 0 {
				s.logger.WarnContext(ctx, "relayed purchases whose producer died", "event_id", ev.ID, "records", n)
			}
		}
	})
}

// relayOutbox produces the sale's outbox entries accepted before
// now-RelayAfter, then removes them; it returns how many it relayed.
func (s *Service) relayOutbox(ctx context.Context, eventID string, now time.Time) (int, error) {
	entries, err := s.outbox(ctx, eventID)
	if err != nil || len(entries) == 0 {
		return 0, err
	}
	var records []*kgo.Record
	var tickets []string
	for _, e := range entries {
		if e.record == nil || e.record.GetAcceptedAt() == nil {
			s.logger.ErrorContext(ctx, "dropping an unreadable outbox entry", "event_id", eventID, "ticket", e.ticket)
			tickets = append(tickets, e.ticket)
			continue
		}
		if now.Sub(e.record.GetAcceptedAt().AsTime()) < s.opts.RelayAfter {
			continue // its Purchase may still be producing it
		}
		records = append(records, &kgo.Record{Topic: PurchasesTopic, Key: []byte(e.record.GetUserId()), Value: e.value})
		tickets = append(tickets, e.ticket)
	}
	if len(records) > 0 {
		if err := s.kafka.Producer.ProduceSync(ctx, records...).FirstErr(); err != nil {
			return 0, err // all stay: the next round produces them again
		}
		outboxRelayed.Add(float64(len(records)))
	}
	if len(tickets) > 0 {
		if err := s.valkey.Do(ctx, s.valkey.B().Hdel().Key(s.keys(eventID).outbox).Field(tickets...).Build()).Error(); err != nil {
			return len(records), err
		}
	}
	return len(records), nil
}

// outboxEntry is one admitted purchase in a sale's outbox: its ticket, the
// record as stored, and the record decoded (nil when it cannot be).
type outboxEntry struct {
	ticket string
	value  []byte
	record *seckillv1.PurchaseRecord
}

// outbox reads the sale's outbox (admitted, maybe not yet in Kafka).
func (s *Service) outbox(ctx context.Context, eventID string) ([]outboxEntry, error) {
	stored, err := s.valkey.Do(ctx, s.valkey.B().Hgetall().Key(s.keys(eventID).outbox).Build()).AsStrMap()
	if err != nil {
		return nil, err
	}
	entries := make([]outboxEntry, 0, len(stored))
	for ticket, value := range stored {
		e := outboxEntry{ticket: ticket, value: []byte(value), record: &seckillv1.PurchaseRecord{}}
		if proto.Unmarshal(e.value, e.record) != nil {
			e.record = nil
		}
		entries = append(entries, e)
	}
	return entries, nil
}
