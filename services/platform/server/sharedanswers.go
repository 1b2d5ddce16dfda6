package server

import (
	"errors"
	"fmt"
	"sync"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// sharedAnswersKept bounds the shared answers whose encodings are kept: a
// handler registers a new one when its snapshot is replaced (the home
// page, every second), so only the last few are ever asked for.
const sharedAnswersKept = 16

// sharedAnswers remembers the JSON encoding of answers that many calls
// share (see EncodeOnce). Keys hold the message itself, so an address is
// never reused for another message while it is a key.
var sharedAnswers = &answerEncodings{byMessage: map[proto.Message]*sharedEncoding{}}

type answerEncodings struct {
	mu        sync.RWMutex
	byMessage map[proto.Message]*sharedEncoding
	order     []proto.Message // oldest first
}

type sharedEncoding struct {
	once  sync.Once
	bytes []byte
	err   error
}

// EncodeOnce marks msg as an answer many calls share and nobody changes
// from now on (the storefront's home page snapshot): the servers' JSON
// codec encodes it once, on first use, instead of once per call (a 14 kB
// page cost a protojson encoding per request), while it is among the last
// sharedAnswersKept registered.
func EncodeOnce(msg proto.Message) {
	s := sharedAnswers
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.byMessage[msg]; ok {
		return
	}
	s.byMessage[msg] = &sharedEncoding{}
	s.order = append(s.order, msg)
	if len(s.order) > sharedAnswersKept {
		delete(s.byMessage, s.order[0])
		s.order = s.order[1:]
	}
}

func (s *answerEncodings) lookup(msg proto.Message) *sharedEncoding {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.byMessage[msg]
}

// jsonCodec is Connect's JSON codec (protojson, unknown fields discarded
// when reading) that answers a shared answer from its one encoding.
type jsonCodec struct{ name string }

// jsonCodecs replace Connect's own for both names a JSON request may use.
func jsonCodecs() []connect.HandlerOption {
	return []connect.HandlerOption{connect.WithCodec(jsonCodec{name: "json"}), connect.WithCodec(jsonCodec{name: "json; charset=utf-8"})}
}

func (c jsonCodec) Name() string { return c.name }

func (c jsonCodec) IsBinary() bool { return false }

func (c jsonCodec) Marshal(message any) ([]byte, error) { return c.MarshalAppend(nil, message) }

func (c jsonCodec) MarshalAppend(dst []byte, message any) ([]byte, error) {
	msg, ok := message.(proto.Message)
	if !ok {
		return nil, fmt.Errorf("%T is not a protobuf message", message)
	}
	if shared := sharedAnswers.lookup(msg); shared != nil {
		shared.once.Do(func() { shared.bytes, shared.err = protojson.MarshalOptions{}.Marshal(msg) })
		return append(dst, shared.bytes...), shared.err
	}
	return protojson.MarshalOptions{}.MarshalAppend(dst, msg)
}

func (c jsonCodec) Unmarshal(data []byte, message any) error {
	msg, ok := message.(proto.Message)
	if !ok {
		return fmt.Errorf("%T is not a protobuf message", message)
	}
	if len(data) == 0 {
		return errors.New("zero-length payload is not a valid JSON object")
	}
	// Unknown fields are dropped, as Connect's own codec does, so clients
	// and servers need not share one version of the contracts.
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(data, msg); err != nil {
		return fmt.Errorf("unmarshal into %T: %w", message, err)
	}
	return nil
}
