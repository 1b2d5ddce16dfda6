package testenv

import (
	"errors"
	"slices"
	"testing"

	"buf.build/go/protovalidate"
	"google.golang.org/protobuf/proto"
)

// Violations validates msg against the rules of its contract as every
// server does (the validate interceptor uses protovalidate's global
// validator) and returns each violation as "<field path> <rule id>", e.g.
// "lines[0].quantity int32.gte_lte" (a rule of the whole message: its id
// alone), sorted; none when msg is valid.
func Violations(t testing.TB, msg proto.Message) []string {
	t.Helper()
	err := protovalidate.GlobalValidator.Validate(msg)
	if err == nil {
		return nil
	}
	var invalid *protovalidate.ValidationError
	if !errors.As(err, &invalid) {
		t.Fatalf("validating %T: %v", msg, err) // a rule that does not compile
	}
	found := make([]string, 0, len(invalid.Violations))
	for _, v := range invalid.Violations {
		violation := v.Proto.GetRuleId()
		if path := protovalidate.FieldPathString(v.Proto.GetField()); path != "" {
			violation = path + " " + violation
		}
		found = append(found, violation)
	}
	slices.Sort(found)
	return found
}

// WantViolations fails the test unless msg breaks exactly the rules want
// (as Violations names them; none: msg is valid), so a contract change that
// drops, adds or renames a rule shows here.
func WantViolations(t testing.TB, msg proto.Message, want ...string) {
	t.Helper()
	got := Violations(t, msg)
	want = slices.Sorted(slices.Values(want))
	if !slices.Equal(got, want) {
		t.Errorf("%T violates %q, want %q", msg, got, want)
	}
}
