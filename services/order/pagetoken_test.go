package order

import (
	"encoding/base64"
	"math"
	"testing"

	"connectrpc.com/connect"

	"mall/services/platform/testenv"
)

// An order listing's page token is the seq of the last order shown: it
// reads back as that seq, and anything that is not a positive seq (garbage,
// another listing's token, zero, negative, beyond int64) is refused with
// invalid_argument BAD_PAGE_TOKEN. A token names a position only: the
// listing filters by its caller again, so a seq of someone else's order is
// no key to their orders.
func TestOrderPageTokens(t *testing.T) {
	for _, seq := range []int64{1, 42, 1 << 40, math.MaxInt64} {
		got, err := decodePageToken(encodePageToken(seq))
		if err != nil || got != seq {
			t.Errorf("seq %d reads back as %d, %v", seq, got, err)
		}
	}
	productToken := base64.RawURLEncoding.EncodeToString([]byte(`{"c":"","s":1,"a":{"v":12,"q":12}}`))
	for _, bad := range []string{
		"", "not-a-cursor", "0", "-1", "1.5", "1e3", "0x10", " 12", "12 ", "9223372036854775808",
		productToken,
	} {
		_, err := decodePageToken(bad)
		testenv.WantCode(t, err, connect.CodeInvalidArgument, ReasonBadPageToken)
	}
}
