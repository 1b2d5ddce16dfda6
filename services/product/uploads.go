package product

import (
	"context"
	"crypto/sha256"
	"errors"
	"net/http"
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

// uploads names the pictures operators upload ("pi-…").
var uploads = picture.Uploads{Prefix: "pi", Path: UploadedImagePath}

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
		ID: uploads.NewID(), ContentType: checked.ContentType, Width: checked.Width, Height: checked.Height,
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
// id.
func (s *Service) UploadedImageHandler() http.Handler {
	return uploads.Handler(s.logger, func(ctx context.Context, id string) (*picture.Stored, error) {
		img, err := selectProductImage(ctx, s.db, id)
		if img == nil || err != nil {
			return nil, err
		}
		return &picture.Stored{ContentType: img.ContentType, SHA256: img.SHA256, Data: img.Data}, nil
	})
}
