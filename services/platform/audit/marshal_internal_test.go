package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"

	productv1 "mall/gen/mall/product/v1"
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
