package product

import (
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
		SortOrder: r.SortOrder, StartsAt: timestamppb.New(r.StartsAt), EndsAt: timestamppb.New(r.EndsAt),
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
