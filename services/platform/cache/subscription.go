package cache

import (
	"context"
	"errors"
	"time"

	"github.com/valkey-io/valkey-go"
)

// Subscription is one pub/sub channel a process follows for as long as it
// runs. Messages published while it does not stand are lost to it, which
// is what OnStanding is for.
type Subscription struct {
	Channel string
	// Name is the connection's client name, so an operator (and a test)
	// finds it in CLIENT LIST.
	Name string
	// Retry is the pause before subscribing again after a break.
	Retry time.Duration
	// OnMessage gets each message; OnStanding runs each time the
	// subscription stands (first and after every break). Both run on the
	// connection's reading goroutine: they must not wait for replies.
	OnMessage  func(message string)
	OnStanding func()
	// OnEnd runs each time a subscription ends (broken, or ctx done);
	// OnBreak, when set, is told why before the next attempt.
	OnEnd   func()
	OnBreak func(err error)
}

// Hold keeps s standing on a connection of its own until ctx ends,
// subscribing again whenever the connection breaks.
func (s Subscription) Hold(ctx context.Context, client valkey.Client) error {
	for ctx.Err() == nil {
		err := s.holdOnce(ctx, client)
		if ctx.Err() != nil || errors.Is(err, valkey.ErrClosing) {
			break
		}
		if s.OnBreak != nil {
			s.OnBreak(err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(s.Retry):
		}
	}
	return nil
}

// holdOnce holds one subscription until its connection breaks or ctx ends.
func (s Subscription) holdOnce(ctx context.Context, client valkey.Client) error {
	conn, release := client.Dedicate()
	defer release()
	if s.OnEnd != nil {
		defer s.OnEnd()
	}
	_ = conn.Do(ctx, conn.B().ClientSetname().ConnectionName(s.Name).Build()).Error()
	broken := conn.SetPubSubHooks(valkey.PubSubHooks{
		OnMessage: func(msg valkey.PubSubMessage) { s.OnMessage(msg.Message) },
		OnSubscription: func(sub valkey.PubSubSubscription) {
			if sub.Kind == "subscribe" && s.OnStanding != nil {
				s.OnStanding()
			}
		},
	})
	if err := conn.Do(ctx, conn.B().Subscribe().Channel(s.Channel).Build()).Error(); err != nil {
		return err
	}
	select {
	case err := <-broken:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}
