// Package picture checks uploaded pictures: JPEG, PNG or WebP recognised
// by their first bytes (never a name or a declared type), whole (nothing
// cut off or appended), of bounded size, and decoding. Each domain that
// takes uploads maps the errors to reasons of its own.
package picture

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"image"
	"image/jpeg"
	"image/png"
	"io"

	"golang.org/x/image/webp"
)

// MaxSide bounds a picture's width and height in pixels: a decoded picture
// of that size (at most 4096 x 4096 x 8 bytes for 16-bit PNG) bounds the
// memory one check takes, and the size is read from the header before
// anything is decoded, so a small file claiming a huge picture (a
// decompression bomb) is refused unread.
const MaxSide = 4096

// DefaultDecoders is how many pictures a process decodes at once (each may
// take up to 128 MiB while it is checked).
const DefaultDecoders = 2

var (
	// ErrType: not a JPEG, PNG or WebP picture (SVG and HTML included).
	ErrType = errors.New("not a JPEG, PNG or WebP picture")
	// ErrInvalid: damaged, cut short, something appended, or not decoding.
	ErrInvalid = errors.New("the picture is damaged, cut short or has something appended")
)

// DimensionsError is a picture wider or taller than MaxSide.
type DimensionsError struct{ Width, Height int }

func (e *DimensionsError) Error() string { return "the picture is larger than 4096 x 4096 pixels" }

// Checked is a picture that passed Inspect.
type Checked struct {
	ContentType   string // image/jpeg, image/png or image/webp
	Width, Height int
}

type format struct {
	contentType  string
	decodeConfig func(io.Reader) (image.Config, error)
	decode       func(io.Reader) (image.Image, error)
	// whole reports whether data ends where the format says it ends: a
	// cut file, or one with something appended (an HTML or ZIP polyglot),
	// does not.
	whole func(data []byte) bool
}

var (
	jpegFormat = format{contentType: "image/jpeg", decodeConfig: jpeg.DecodeConfig, decode: jpeg.Decode,
		whole: func(data []byte) bool { return bytes.HasSuffix(data, []byte{0xff, 0xd9}) }}
	pngFormat = format{contentType: "image/png", decodeConfig: png.DecodeConfig, decode: png.Decode,
		// The IEND chunk: length 0, type, CRC.
		whole: func(data []byte) bool {
			return bytes.HasSuffix(data, []byte{0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82})
		}}
	webpFormat = format{contentType: "image/webp", decodeConfig: webp.DecodeConfig, decode: webp.Decode,
		// The RIFF header's size is the file's size after its first 8 bytes.
		whole: func(data []byte) bool { return uint64(binary.LittleEndian.Uint32(data[4:8]))+8 == uint64(len(data)) }}
)

func sniff(data []byte) *format {
	switch {
	case bytes.HasPrefix(data, []byte{0xff, 0xd8, 0xff}):
		return &jpegFormat
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return &pngFormat
	case len(data) >= 12 && bytes.HasPrefix(data, []byte("RIFF")) && string(data[8:12]) == "WEBP":
		return &webpFormat
	}
	return nil
}

// Inspector checks pictures, decoding a bounded number at once.
type Inspector struct{ slots chan struct{} }

// NewInspector returns an Inspector decoding at most decoders pictures at
// once (DefaultDecoders when decoders < 1).
func NewInspector(decoders int) *Inspector {
	if decoders < 1 {
		decoders = DefaultDecoders
	}
	return &Inspector{slots: make(chan struct{}, decoders)}
}

// Inspect checks that data is a whole JPEG, PNG or WebP picture of at most
// MaxSide pixels a side that decodes: its header first (cheap, and the
// size is known before anything is allocated), then the whole picture,
// one decode slot at a time. Errors: ErrType, ErrInvalid, a
// *DimensionsError, or ctx's.
func (i *Inspector) Inspect(ctx context.Context, data []byte) (*Checked, error) {
	f := sniff(data)
	if f == nil {
		return nil, ErrType
	}
	if !f.whole(data) {
		return nil, ErrInvalid
	}
	config, err := f.decodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, ErrInvalid
	}
	if config.Width < 1 || config.Height < 1 || config.Width > MaxSide || config.Height > MaxSide {
		return nil, &DimensionsError{Width: config.Width, Height: config.Height}
	}
	select {
	case i.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	_, err = f.decode(bytes.NewReader(data))
	<-i.slots
	if err != nil {
		return nil, ErrInvalid
	}
	return &Checked{ContentType: f.contentType, Width: config.Width, Height: config.Height}, nil
}
