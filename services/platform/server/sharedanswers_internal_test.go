package server

import (
	"bytes"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/descriptorpb"
	"google.golang.org/protobuf/types/known/structpb"
)

// A shared answer is encoded once: later calls get the same bytes (even if
// someone broke the promise and changed the message, which shows where
// they come from); any other message is encoded per call; and only the
// last sharedAnswersKept shared answers are kept.
func TestASharedAnswerIsEncodedOnce(t *testing.T) {
	codec := jsonCodec{name: "json"}
	page := structpb.NewStringValue("the home page")
	EncodeOnce(page)
	first, err := codec.Marshal(page)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := protojson.Marshal(structpb.NewStringValue("the home page"))
	if !bytes.Equal(first, want) {
		t.Fatalf("encoded %s, want %s", first, want)
	}
	page.Kind = &structpb.Value_StringValue{StringValue: "changed"}
	again, err := codec.MarshalAppend([]byte("prefix:"), page)
	if err != nil || string(again) != "prefix:"+string(want) {
		t.Fatalf("a shared answer encoded again: %s %v", again, err)
	}

	other := structpb.NewStringValue("one call's answer")
	if _, err := codec.Marshal(other); err != nil {
		t.Fatal(err)
	}
	other.Kind = &structpb.Value_StringValue{StringValue: "the next call's"}
	if got, _ := codec.Marshal(other); !bytes.Contains(got, []byte("the next call's")) {
		t.Fatalf("an unshared answer was not encoded per call: %s", got)
	}

	for range sharedAnswersKept {
		EncodeOnce(structpb.NewBoolValue(true))
	}
	if got, _ := codec.Marshal(page); !bytes.Contains(got, []byte("changed")) {
		t.Fatalf("an answer no longer shared is still answered from its old encoding: %s", got)
	}
	var decoded descriptorpb.FileDescriptorProto
	if err := codec.Unmarshal([]byte(`{"name": "a.proto", "unknownField": 1}`), &decoded); err != nil || decoded.GetName() != "a.proto" {
		t.Fatalf("unknown fields are not discarded: %v", err)
	}
	if err := codec.Unmarshal(nil, &decoded); err == nil {
		t.Fatal("an empty payload was accepted")
	}
	if _, err := codec.Marshal("not a message"); err == nil {
		t.Fatal("a non-message was encoded")
	}
}
