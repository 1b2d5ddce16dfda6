package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	productv1 "mall/gen/mall/product/v1"
	userv1 "mall/gen/mall/user/v1"
)

// An uploaded picture is recorded as its SHA-256, not copied into the log
// (700 KiB of base64 per upload would fill it), and the request itself is
// left as the handler got it.
func TestLongBytesAreRecordedAsTheirDigest(t *testing.T) {
	picture := bytes.Repeat([]byte{0xff, 0xd8, 0xff}, 200_000)
	req := &productv1.UploadProductImageRequest{Data: picture}
	got := marshal(req)
	sum := sha256.Sum256(picture)
	if !strings.Contains(got, base64.StdEncoding.EncodeToString(sum[:])) || len(got) > 200 {
		t.Errorf("recorded %d bytes: %.120s…, want the picture's SHA-256 only", len(got), got)
	}
	if !bytes.Equal(req.GetData(), picture) {
		t.Error("recording changed the request the handler gets")
	}
	short := &productv1.UploadProductImageRequest{Data: []byte("tiny")}
	if got := marshal(short); !strings.Contains(got, base64.StdEncoding.EncodeToString([]byte("tiny"))) {
		t.Errorf("a short bytes field is kept as it is: got %s", got)
	}
}

// A password or a token never reaches the audit log, whatever request
// carries it (no audited request has one today; one added later must not
// copy its secret into a log every operator reads), nested ones too.
func TestSecretsAreRedacted(t *testing.T) {
	for _, m := range []proto.Message{
		&userv1.LoginRequest{Login: "ops_lead", Password: "hunter2hunter2"},
		&userv1.ChangePasswordRequest{CurrentPassword: "hunter2hunter2", NewPassword: "hunter3hunter3"},
		&userv1.LoginResponse{AccessToken: "eyJhbGciOi.hunter2hunter2"},
	} {
		got := marshal(m)
		if strings.Contains(got, "hunter") {
			t.Errorf("recorded %s", got)
		}
		if !strings.Contains(got, redacted) {
			t.Errorf("recorded %s, want the secret's field shown as %q", got, redacted)
		}
	}
	if got := marshal(&userv1.LoginRequest{Login: "ops_lead"}); !strings.Contains(got, "ops_lead") {
		t.Errorf("recorded %s, want the login kept", got)
	}
}
