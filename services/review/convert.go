package review

import (
	"strings"

	"google.golang.org/protobuf/types/known/timestamppb"

	reviewv1 "mall/gen/mall/review/v1"
)

// anonymousAuthor is shown for a reviewer without a usable nickname.
const anonymousAuthor = "***"

// maskName hides most of a nickname for display next to a review, by runes
// (so Chinese names mask like Latin ones), after trimming spaces:
//
//	""            -> "***"
//	"张", "张三"   -> "张**"   (one or two runes: the first rune and "**")
//	"张小明"       -> "张**明" (three or more: first rune, "**", last rune)
//	"alice"       -> "a**e"
//
// Always exactly two stars, so the mask does not tell the name's length,
// and never more than two of the name's runes, so a nickname that happens
// to be an id or a phone number is not shown either.
func maskName(nickname string) string {
	runes := []rune(strings.TrimSpace(nickname))
	switch {
	case len(runes) == 0:
		return anonymousAuthor
	case len(runes) <= 2:
		return string(runes[0]) + "**"
	default:
		return string(runes[0]) + "**" + string(runes[len(runes)-1])
	}
}

// proto converts a row. The order id is shown only to the review's author
// (withOrder); public listings leave it out, since it identifies the
// buyer's order. The user id is never shown.
func (r *reviewRow) proto(withOrder bool) *reviewv1.Review {
	review := &reviewv1.Review{
		ReviewId:   r.ID,
		ProductId:  r.ProductID,
		AuthorName: r.AuthorName,
		Rating:     r.Rating,
		Text:       r.Body,
		ImageUrls:  r.ImageURLs,
		CreatedAt:  timestamppb.New(r.CreatedAt),
	}
	if review.AuthorName == "" {
		review.AuthorName = anonymousAuthor
	}
	if withOrder {
		review.OrderId = r.OrderID
	}
	return review
}
