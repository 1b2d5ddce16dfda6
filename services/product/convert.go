package product

import (
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	productv1 "mall/gen/mall/product/v1"
)

func (r *productRow) proto() *productv1.Product {
	return &productv1.Product{
		ProductId:   r.ID,
		CategoryId:  r.CategoryID,
		Title:       r.Title,
		Subtitle:    r.Subtitle,
		ImageUrls:   r.ImageURLs,
		Description: r.Description,
		PriceCents:  r.PriceCents,
		Stock:       r.Stock,
		SalesCount:  r.SalesCount,
		Status:      productv1.ProductStatus(r.Status),
		CreatedAt:   timestamppb.New(r.CreatedAt),
		UpdatedAt:   timestamppb.New(r.UpdatedAt),
	}
}

func (r *categoryRow) proto() *productv1.Category {
	return &productv1.Category{CategoryId: r.ID, ParentId: r.ParentID, Name: r.Name, IconUrl: r.IconURL, SortOrder: r.SortOrder}
}

func (r *bannerRow) proto() *productv1.Banner {
	return &productv1.Banner{
		BannerId: r.ID, Title: r.Title, ImageUrl: r.ImageURL, LinkUrl: r.LinkURL, ProductId: r.ProductID,
		CategoryId: r.CategoryID, Keyword: r.Keyword,
		SortOrder: r.SortOrder, StartsAt: timestamppb.New(r.StartsAt), EndsAt: timestamppb.New(r.EndsAt),
	}
}

// adminProto is a banner with its place in its schedule at now.
func (r *bannerRow) adminProto(now time.Time) *productv1.AdminBanner {
	state := productv1.BannerState_BANNER_STATE_LIVE
	switch {
	case r.StartsAt.After(now):
		state = productv1.BannerState_BANNER_STATE_SCHEDULED
	case !r.EndsAt.After(now):
		state = productv1.BannerState_BANNER_STATE_ENDED
	}
	return &productv1.AdminBanner{Banner: r.proto(), State: state}
}

func (r *productRow) adminProto() *productv1.AdminProduct {
	return &productv1.AdminProduct{Product: r.proto(), Reserved: r.Reserved, Sold: r.Sold, Allocated: r.Allocated}
}

func (r *stockAdjustmentRow) proto() *productv1.StockAdjustment {
	return &productv1.StockAdjustment{
		AdjustmentId: r.ID, ProductId: r.ProductID, Kind: productv1.StockAdjustmentKind(r.Kind), Delta: r.Delta,
		Reason: r.Reason, ActorId: r.ActorID, StockBefore: r.StockBefore, StockAfter: r.StockAfter,
		CreatedAt: timestamppb.New(r.CreatedAt),
	}
}

func (r *productImageRow) proto() *productv1.ProductImage {
	return &productv1.ProductImage{
		ImageId: r.ID, Url: UploadedImagePath + r.ID, ContentType: r.ContentType, Width: int32(r.Width), Height: int32(r.Height),
		SizeBytes: int64(r.SizeBytes), CreatedAt: timestamppb.New(r.CreatedAt),
	}
}

func reservationProto(r *reservationRow, lines []reservationLineRow) *productv1.Reservation {
	out := &productv1.Reservation{
		ReservationId: r.ID,
		State:         productv1.ReservationState(r.State),
		CreatedAt:     timestamppb.New(r.CreatedAt),
		UpdatedAt:     timestamppb.New(r.UpdatedAt),
	}
	for _, l := range lines {
		out.Lines = append(out.Lines, &productv1.StockLine{ProductId: l.ProductID, Quantity: l.Quantity})
	}
	return out
}

func allocationProto(r *allocationRow) *productv1.Allocation {
	return &productv1.Allocation{
		AllocationId: r.ID, ProductId: r.ProductID, Quantity: r.Quantity, Sold: r.Sold, Returned: r.Returned,
		State: productv1.AllocationState(r.State), CreatedAt: timestamppb.New(r.CreatedAt), UpdatedAt: timestamppb.New(r.UpdatedAt),
	}
}
