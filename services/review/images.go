package review

import (
	"context"
	"crypto/sha256"
	"errors"
	"net/http"
	"strconv"
	"time"

	"connectrpc.com/connect"
	"github.com/uptrace/bun"
	"google.golang.org/protobuf/types/known/timestamppb"

	reviewv1 "mall/gen/mall/review/v1"
	"mall/services/platform/auth"
	"mall/services/platform/db"
	"mall/services/platform/picture"
	"mall/services/platform/ratelimit"
	"mall/services/platform/rpcerr"
)

// Review pictures: what a shopper may upload, and how long one no review
// uses is kept.
const (
	// MaxImageSide bounds a picture's width and height in pixels: a photo
	// shown beside a review needs no more.
	MaxImageSide = picture.MaxSide
	// DefaultImageQuota is how many unused pictures one shopper may hold.
	DefaultImageQuota = 30
	// DefaultImageTTL is how long a picture no review uses is kept.
	DefaultImageTTL = 24 * time.Hour
	// DefaultImageDecoders is how many pictures are decoded at once in a
	// process (each may take up to 128 MiB while it is checked).
	DefaultImageDecoders = picture.DefaultDecoders
)

// DefaultUploadLimit paces one shopper's uploads: a refused file is not
// stored, so the quota alone would not bound the decoding one account
// can ask for.
var DefaultUploadLimit = ratelimit.Limit{Burst: 20, Period: time.Minute}

// ImagePath is where review pictures are served: ImagePath + id.
const ImagePath = "/review-img/"

// uploads names the review pictures ("ri-…").
var uploads = picture.Uploads{Prefix: "ri", Path: ImagePath}

// sweepBatch is how many expired pictures of anyone one upload deletes
// after its own, so pictures of shoppers who never come back go too.
const sweepBatch = 100

// inspectImage checks that data is a picture a review may show
// (picture.Inspector) and words a refusal with the review's reasons.
func (s *Service) inspectImage(ctx context.Context, data []byte) (*picture.Checked, error) {
	checked, err := s.pictures.Inspect(ctx, data)
	var dims *picture.DimensionsError
	switch {
	case errors.Is(err, picture.ErrType):
		return nil, errImageType()
	case errors.Is(err, picture.ErrInvalid):
		return nil, errImageInvalid()
	case errors.As(err, &dims):
		return nil, errImageDimensions(dims.Width, dims.Height)
	}
	return checked, err
}

// UploadReviewImage checks and stores a picture for the caller's next
// review (inspectImage). The picture they already hold with the same bytes
// is the answer to a retried upload, at no cost; then, before any decoding,
// the caller's pace (UploadLimit) and quota of unused pictures are
// checked. Under the caller's uploader lock their expired unused pictures
// are deleted, the duplicate and the quota are checked again, exactly, and
// the picture is stored.
func (s *Service) UploadReviewImage(ctx context.Context, req *connect.Request[reviewv1.UploadReviewImageRequest]) (*connect.Response[reviewv1.UploadReviewImageResponse], error) {
	userID, err := auth.UserID(ctx)
	if err != nil {
		return nil, err
	}
	data := req.Msg.GetData()
	sum := sha256.Sum256(data)
	at := s.now().UTC().Truncate(time.Microsecond)
	cutoff := at.Add(-s.opts.ImageTTL)
	if same, err := selectUnusedImage(ctx, s.db, userID, sum[:], cutoff); err != nil || same != nil {
		if err != nil {
			return nil, err
		}
		return connect.NewResponse(&reviewv1.UploadReviewImageResponse{Image: same.proto()}), nil
	}
	wait, err := s.uploads.Allow(ctx, userID, s.opts.UploadLimit)
	if err != nil {
		return nil, err
	}
	if wait > 0 {
		return nil, ratelimit.Exhausted("too many pictures in a short time; retry later", wait)
	}
	if unused, err := countUnusedImages(ctx, s.db, userID, cutoff); err != nil {
		return nil, err
	} else if unused >= s.opts.ImageQuota {
		return nil, errImageQuota(s.opts.ImageQuota, unused)
	}
	checked, err := s.inspectImage(ctx, data)
	if err != nil {
		return nil, err
	}
	row := &imageRow{
		ID: uploads.NewID(), UserID: userID, ContentType: checked.ContentType, Width: checked.Width, Height: checked.Height,
		SizeBytes: len(data), SHA256: sum[:], Data: data, CreatedAt: at,
	}
	err = db.InTx(ctx, s.db, func(ctx context.Context, tx bun.Tx) error {
		if err := lockUploader(ctx, tx, userID, at); err != nil {
			return err
		}
		if err := deleteExpiredImages(ctx, tx, userID, cutoff); err != nil {
			return err
		}
		same, err := selectUnusedImage(ctx, tx, userID, sum[:], cutoff)
		if err != nil {
			return err
		}
		if same != nil {
			row = same
			return nil
		}
		unused, err := countUnusedImages(ctx, tx, userID, cutoff)
		if err != nil {
			return err
		}
		if unused >= s.opts.ImageQuota {
			return errImageQuota(s.opts.ImageQuota, unused)
		}
		return insertImage(ctx, tx, row)
	})
	if err != nil {
		return nil, err
	}
	// Best effort: the upload is stored; the next one sweeps again.
	if err := sweepExpiredImages(context.WithoutCancel(ctx), s.db, cutoff, sweepBatch); err != nil {
		s.logger.WarnContext(ctx, "sweep expired review pictures", "err", err)
	}
	return connect.NewResponse(&reviewv1.UploadReviewImageResponse{Image: row.proto()}), nil
}

// attachImages makes the pictures ids (the caller's, unused) the review's,
// inside the review's transaction, and returns their addresses in the
// order given. Another user's picture or an unknown one is not found (the
// same answer: nothing tells a caller that someone else's picture
// exists); one of the caller's that a review uses already is in use.
func attachImages(ctx context.Context, tx bun.Tx, userID, reviewID string, ids []string) ([]string, error) {
	urls := make([]string, len(ids))
	for i, id := range ids {
		urls[i] = ImagePath + id
	}
	if len(ids) == 0 {
		return urls, nil
	}
	attached, err := useImages(ctx, tx, userID, reviewID, ids)
	if err != nil {
		return nil, err
	}
	if attached == len(ids) {
		return urls, nil
	}
	owned, err := countOwnImages(ctx, tx, userID, ids)
	if err != nil {
		return nil, err
	}
	if owned < len(ids) {
		return nil, errImageNotFound()
	}
	return nil, errImageInUse()
}

// ImageHandler serves the review pictures at ImagePath + id.
func (s *Service) ImageHandler() http.Handler {
	return uploads.Handler(s.logger, func(ctx context.Context, id string) (*picture.Stored, error) {
		img, err := selectImage(ctx, s.db, id)
		if img == nil || err != nil {
			return nil, err
		}
		return &picture.Stored{ContentType: img.ContentType, SHA256: img.SHA256, Data: img.Data}, nil
	})
}

func (r *imageRow) proto() *reviewv1.ReviewImage {
	return &reviewv1.ReviewImage{
		ImageId: r.ID, Url: ImagePath + r.ID, ContentType: r.ContentType, Width: int32(r.Width), Height: int32(r.Height),
		SizeBytes: int64(r.SizeBytes), CreatedAt: timestamppb.New(r.CreatedAt),
	}
}

func errImageType() error {
	return rpcerr.New(connect.CodeInvalidArgument, ReasonImageType, "a review picture must be a JPEG, PNG or WebP image")
}

func errImageInvalid() error {
	return rpcerr.New(connect.CodeInvalidArgument, ReasonImageInvalid, "the picture is damaged, cut short or has something appended")
}

func errImageDimensions(width, height int) error {
	return rpcerr.NewWithMetadata(connect.CodeInvalidArgument, ReasonImageDimensions,
		"a review picture may be at most "+strconv.Itoa(MaxImageSide)+" x "+strconv.Itoa(MaxImageSide)+" pixels",
		map[string]string{"limit": strconv.Itoa(MaxImageSide), "width": strconv.Itoa(width), "height": strconv.Itoa(height)})
}

func errImageQuota(limit, current int) error {
	return rpcerr.NewWithMetadata(connect.CodeResourceExhausted, ReasonImageQuota,
		"you have "+strconv.Itoa(current)+" pictures no review uses yet; use them or wait a day",
		map[string]string{"limit": strconv.Itoa(limit), "current": strconv.Itoa(current)})
}

func errImageNotFound() error {
	return rpcerr.New(connect.CodeNotFound, ReasonImageNotFound, "no such picture of yours")
}

func errImageInUse() error {
	return rpcerr.New(connect.CodeFailedPrecondition, ReasonImageInUse, "a picture belongs to one review only")
}
