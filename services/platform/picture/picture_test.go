package picture

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/png"
	"testing"
)

func testPNG(t *testing.T, width, height int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, width, height))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// claimSize rewrites a PNG's header to claim width x height, checksum
// included: a small file that would decode to gigabytes.
func claimSize(data []byte, width, height uint32) []byte {
	out := bytes.Clone(data)
	binary.BigEndian.PutUint32(out[16:20], width)
	binary.BigEndian.PutUint32(out[20:24], height)
	binary.BigEndian.PutUint32(out[29:33], crc32.ChecksumIEEE(out[12:29]))
	return out
}

func TestInspectTakesWholePicturesWithinTheLimitsOnly(t *testing.T) {
	inspector := NewInspector(1)
	ctx := context.Background()
	good := testPNG(t, 3, 2)
	checked, err := inspector.Inspect(ctx, good)
	if err != nil || checked.ContentType != "image/png" || checked.Width != 3 || checked.Height != 2 {
		t.Fatalf("a good PNG: %+v %v", checked, err)
	}
	for name, c := range map[string]struct {
		data []byte
		want error
	}{
		"HTML":                 {[]byte("<html><script>alert(1)</script></html>"), ErrType},
		"empty":                {nil, ErrType},
		"cut short":            {good[:len(good)-3], ErrInvalid},
		"something appended":   {append(bytes.Clone(good), "<html>"...), ErrInvalid},
		"a header that lies":   {claimSize(good, 30, 20), ErrInvalid},
		"too wide":             {testPNG(t, MaxSide+1, 1), &DimensionsError{}},
		"a decompression bomb": {claimSize(good, 100000, 100000), &DimensionsError{}},
	} {
		_, err := inspector.Inspect(ctx, c.data)
		var dims *DimensionsError
		if errors.As(c.want, &dims) {
			if !errors.As(err, &dims) {
				t.Errorf("%s: %v, want a DimensionsError", name, err)
			}
			continue
		}
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", name, err, c.want)
		}
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	inspector.slots <- struct{}{} // every decode slot taken
	if _, err := inspector.Inspect(cancelled, good); !errors.Is(err, context.Canceled) {
		t.Fatalf("waiting for a slot after the caller gave up: %v", err)
	}
}
