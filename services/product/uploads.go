package product

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"time"

	"connectrpc.com/connect"

	productv1 "mall/gen/mall/product/v1"
	"mall/services/platform/audit"
	"mall/services/platform/db"
	"mall/services/platform/picture"
)

// UploadedImagePath is where pictures operators upload are served:
// UploadedImagePath + id.
const UploadedImagePath = "/product-img/"

// uploadedImageID is the shape of every uploaded picture's id
// (newUploadedImageID).
var uploadedImageID = regexp.MustCompile(`^pi-[a-z2-7]{26}$`)

// UploadProductImage checks a picture (picture.Inspector) and stores it.
// The same bytes are one picture: a repeat, or a second operator uploading
// the same file, answers the picture stored first.
func (s *Service) UploadProductImage(ctx context.Context, req *connect.Request[productv1.UploadProductImageRequest]) (*connect.Response[productv1.UploadProductImageResponse], error) {
	actor := actorOf(ctx)
	data := req.Msg.GetData()
	sum := sha256.Sum256(data)
	if same, err := selectProductImageBySum(ctx, s.db, sum[:]); err != nil || same != nil {
		if err != nil {
			return nil, err
		}
		audit.Target(ctx, "product image "+same.ID)
		return connect.NewResponse(&productv1.UploadProductImageResponse{Image: same.proto()}), nil
	}
	checked, err := s.pictures.Inspect(ctx, data)
	var dims *picture.DimensionsError
	switch {
	case errors.Is(err, picture.ErrType):
		return nil, errImageType()
	case errors.Is(err, picture.ErrInvalid):
		return nil, errImageInvalid()
	case errors.As(err, &dims):
		return nil, errImageDimensions(dims.Width, dims.Height)
	case err != nil:
		return nil, err
	}
	row := &productImageRow{
		ID: newUploadedImageID(), ContentType: checked.ContentType, Width: checked.Width, Height: checked.Height,
		SizeBytes: len(data), SHA256: sum[:], Data: data, UploadedBy: actor, CreatedAt: time.Now().UTC().Truncate(time.Microsecond),
	}
	err = insertRow(ctx, s.db, row)
	if db.IsDuplicate(err) { // the same bytes, uploaded at the same time
		row, err = selectProductImageBySum(ctx, s.db, sum[:])
	}
	if err != nil {
		return nil, err
	}
	audit.Target(ctx, "product image "+row.ID)
	audit.After(ctx, row.proto())
	return connect.NewResponse(&productv1.UploadProductImageResponse{Image: row.proto()}), nil
}

// UploadedImageHandler serves the uploaded pictures at UploadedImagePath +
// id: the bytes as uploaded, with the type read from them, never sniffed
// or run as anything else, cached for good (an id names the same bytes
// forever).
func (s *Service) UploadedImageHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		id, ok := strings.CutPrefix(r.URL.Path, UploadedImagePath)
		if !ok || !uploadedImageID.MatchString(id) {
			http.NotFound(w, r)
			return
		}
		img, err := selectProductImage(r.Context(), s.db, id)
		if err != nil {
			s.logger.ErrorContext(r.Context(), "read product picture", "image_id", id, "err", err)
			http.Error(w, "picture unavailable", http.StatusServiceUnavailable)
			return
		}
		if img == nil {
			http.NotFound(w, r)
			return
		}
		h := w.Header()
		h.Set("Content-Type", img.ContentType)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
		h.Set("ETag", `"`+hex.EncodeToString(img.SHA256)+`"`)
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(img.Data))
	})
}

// newUploadedImageID is a fresh picture id: "pi-" and 128 random bits in
// lower-case base32.
func newUploadedImageID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return "pi-" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
}
