package storefront

import (
	"errors"
	"fmt"
	"sync"

	"connectrpc.com/connect"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
)

// HandlerOptions are the options the storefront's Connect handler needs on
// top of the server's: codecs that encode the cached home page once per
// snapshot and encoding instead of once per request. Every other message
// is encoded as connect's own codecs do.
func (s *Service) HandlerOptions() []connect.HandlerOption {
	memo := func(m any) *encodings {
		if snap := s.home.snap.Load(); snap != nil && any(snap.page) == m {
			return &snap.encoded
		}
		return nil
	}
	marshalJSON := func(dst []byte, m proto.Message) ([]byte, error) {
		return protojson.MarshalOptions{}.MarshalAppend(dst, m)
	}
	unmarshalJSON := func(b []byte, m proto.Message) error {
		if len(b) == 0 {
			return errors.New("zero-length payload is not a valid JSON object")
		}
		return protojson.UnmarshalOptions{DiscardUnknown: true}.Unmarshal(b, m)
	}
	return []connect.HandlerOption{
		connect.WithCodec(&memoCodec{name: "proto", binary: true, memo: memo,
			marshal: proto.MarshalOptions{}.MarshalAppend, unmarshal: proto.Unmarshal}),
		connect.WithCodec(&memoCodec{name: "json", memo: memo, marshal: marshalJSON, unmarshal: unmarshalJSON}),
		connect.WithCodec(&memoCodec{name: "json; charset=utf-8", memo: memo, marshal: marshalJSON, unmarshal: unmarshalJSON}),
	}
}

// encodings are one snapshot's encoded forms, by codec name (lock-free
// reads: every warm GetHome looks here).
type encodings struct{ bytes sync.Map }

func (e *encodings) get(name string, encode func() ([]byte, error)) ([]byte, error) {
	if b, ok := e.bytes.Load(name); ok {
		return b.([]byte), nil
	}
	b, err := encode()
	if err != nil {
		return nil, err
	}
	actual, _ := e.bytes.LoadOrStore(name, b)
	return actual.([]byte), nil
}

// memoCodec is a protobuf codec that copies a message's memoized encoding
// when memo knows the message (the read-only cached home page).
type memoCodec struct {
	name      string
	binary    bool
	memo      func(message any) *encodings
	marshal   func(dst []byte, m proto.Message) ([]byte, error)
	unmarshal func(b []byte, m proto.Message) error
}

func (c *memoCodec) Name() string   { return c.name }
func (c *memoCodec) IsBinary() bool { return c.binary }

func (c *memoCodec) Marshal(message any) ([]byte, error) { return c.MarshalAppend(nil, message) }

// MarshalAppend appends to dst (connect's pooled buffer): the memoized bytes
// are copied, never handed out, so nobody can change them.
func (c *memoCodec) MarshalAppend(dst []byte, message any) ([]byte, error) {
	m, ok := message.(proto.Message)
	if !ok {
		return nil, fmt.Errorf("%T is not a proto.Message", message)
	}
	if e := c.memo(message); e != nil {
		encoded, err := e.get(c.name, func() ([]byte, error) { return c.marshal(nil, m) })
		if err != nil {
			return nil, err
		}
		return append(dst, encoded...), nil
	}
	return c.marshal(dst, m)
}

func (c *memoCodec) Unmarshal(b []byte, message any) error {
	m, ok := message.(proto.Message)
	if !ok {
		return fmt.Errorf("%T is not a proto.Message", message)
	}
	if err := c.unmarshal(b, m); err != nil {
		return fmt.Errorf("unmarshal into %T: %w", message, err)
	}
	return nil
}
