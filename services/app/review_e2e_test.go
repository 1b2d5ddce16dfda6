package app_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	"connectrpc.com/connect"

	orderv1 "mall/gen/mall/order/v1"
	reviewv1 "mall/gen/mall/review/v1"
	"mall/gen/mall/review/v1/reviewv1connect"
	storefrontv1 "mall/gen/mall/storefront/v1"
	"mall/gen/mall/storefront/v1/storefrontv1connect"
	"mall/services/platform/rpcclient"
	"mall/services/platform/rpcerr"
	"mall/services/platform/testenv"
	"mall/services/review"
	"mall/workflows/checkout"
)

// A buyer's order goes through the real checkout saga to DELIVERED; then
// the buyer reviews it through the real review service (which asks the
// real order and user services), once, and the storefront's product page
// shows the review and a summary that was refreshed by it.
func TestBuyerReviewsADeliveredOrderAndTheProductPageShowsIt(t *testing.T) {
	m := startMallWithWorker(t, 5*time.Minute)
	ctx := context.Background()
	const product = "p0095" // no other test of this package uses it
	buyer := m.shopper(t, "review_buyer")
	stranger := m.shopper(t, "review_stranger")
	reviews := reviewv1connect.NewReviewServiceClient(rpcclient.HTTPClient(), m.url, connect.WithGRPC())
	storefront := storefrontv1connect.NewStorefrontServiceClient(rpcclient.HTTPClient(), m.url, connect.WithProtoJSON())
	page := func() *storefrontv1.GetProductPageResponse {
		t.Helper()
		res, err := storefront.GetProductPage(ctx, connect.NewRequest(&storefrontv1.GetProductPageRequest{ProductId: product}))
		if err != nil {
			t.Fatal(err)
		}
		for _, part := range res.Msg.GetDegradedParts() {
			if part == storefrontv1.ProductPagePart_PRODUCT_PAGE_PART_REVIEW_SUMMARY || part == storefrontv1.ProductPagePart_PRODUCT_PAGE_PART_REVIEWS {
				t.Fatalf("product page degraded %v", res.Msg.GetDegradedParts())
			}
		}
		return res.Msg
	}
	// Read (and cache) the empty summary first.
	if p := page(); p.GetReviewSummary().GetReviewCount() != 0 || len(p.GetReviews()) != 0 {
		t.Fatalf("page before any review: %v %v", p.GetReviewSummary(), p.GetReviews())
	}

	res, err := m.orders.Checkout(ctx, testenv.Bearer(buyer, &orderv1.CheckoutRequest{RequestId: "req-review-0001", AddressId: m.defaultAddress(t, buyer),
		Items: &orderv1.CheckoutRequest_BuyNow{BuyNow: &orderv1.BuyNowItem{ProductId: product, Quantity: 1}}}))
	if err != nil {
		t.Fatal(err)
	}
	orderID := res.Msg.GetOrderId()
	m.waitStatus(t, buyer, orderID, orderv1.OrderStatus_ORDER_STATUS_PENDING_PAYMENT)
	// The buyer's picture: uploaded to the review service, served by the mall.
	var picture bytes.Buffer
	if err := png.Encode(&picture, image.NewGray(image.Rect(0, 0, 40, 30))); err != nil {
		t.Fatal(err)
	}
	uploaded, err := reviews.UploadReviewImage(ctx, testenv.Bearer(buyer, &reviewv1.UploadReviewImageRequest{Data: picture.Bytes()}))
	if err != nil {
		t.Fatal(err)
	}
	pictureURL := uploaded.Msg.GetImage().GetUrl()
	create := &reviewv1.CreateReviewRequest{OrderId: orderID, ProductId: product, Rating: 5, Text: "很好喝 lovely tea",
		ImageIds: []string{uploaded.Msg.GetImage().GetImageId()}}
	// Not delivered yet: the buyer may not review.
	_, err = reviews.CreateReview(ctx, testenv.Bearer(buyer, create))
	if connect.CodeOf(err) != connect.CodePermissionDenied || rpcerr.Reason(err) != review.ReasonOrderNotDelivered {
		t.Fatalf("review of an unpaid order: %v", err)
	}

	if err := m.temporal.SignalWorkflow(ctx, checkout.WorkflowID(orderID), "", checkout.SignalPaid,
		checkout.PaidSignal{PaymentID: "test", PaidAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	m.waitStatus(t, buyer, orderID, orderv1.OrderStatus_ORDER_STATUS_PAID)
	if _, err := m.orders.ShipOrder(ctx, testenv.Bearer(m.admin, &orderv1.ShipOrderRequest{OrderId: orderID, Carrier: "SF", TrackingNumber: "SF-REVIEW-1"})); err != nil {
		t.Fatal(err)
	}
	if _, err := m.orders.MarkDelivered(ctx, testenv.Bearer(m.admin, &orderv1.MarkDeliveredRequest{OrderId: orderID})); err != nil {
		t.Fatal(err)
	}
	m.waitStatus(t, buyer, orderID, orderv1.OrderStatus_ORDER_STATUS_DELIVERED)

	// Another shopper cannot review the buyer's order.
	_, err = reviews.CreateReview(ctx, testenv.Bearer(stranger, create))
	if connect.CodeOf(err) != connect.CodePermissionDenied || rpcerr.Reason(err) != review.ReasonNotABuyer {
		t.Fatalf("review by another shopper: %v", err)
	}
	created, err := reviews.CreateReview(ctx, testenv.Bearer(buyer, create))
	if err != nil {
		t.Fatal(err)
	}
	r := created.Msg.GetReview()
	// The nickname of a username registration is the username: masked.
	if r.GetOrderId() != orderID || r.GetProductId() != product || r.GetRating() != 5 || r.GetAuthorName() != "r**r" {
		t.Fatalf("created review %v", r)
	}
	_, err = reviews.CreateReview(ctx, testenv.Bearer(buyer, create))
	if connect.CodeOf(err) != connect.CodeAlreadyExists || rpcerr.Reason(err) != review.ReasonAlreadyReviewed {
		t.Fatalf("second review: %v", err)
	}
	_, err = reviews.CreateReview(ctx, testenv.Bearer(stranger, create))
	if connect.CodeOf(err) != connect.CodePermissionDenied || rpcerr.Reason(err) != review.ReasonNotABuyer {
		t.Fatalf("review by another shopper after the buyer's: %v", err)
	}
	status, err := reviews.GetReviewStatus(ctx, testenv.Bearer(buyer, &reviewv1.GetReviewStatusRequest{OrderIds: []string{orderID}}))
	if err != nil || len(status.Msg.GetReviewed()) != 1 || status.Msg.GetReviewed()[0].GetReviewId() != r.GetReviewId() {
		t.Fatalf("review status %v %v", status, err)
	}
	if status, err := reviews.GetReviewStatus(ctx, testenv.Bearer(stranger, &reviewv1.GetReviewStatusRequest{OrderIds: []string{orderID}})); err != nil || len(status.Msg.GetReviewed()) != 0 {
		t.Fatalf("another shopper's review status %v %v", status, err)
	}

	p := page()
	s := p.GetReviewSummary()
	if s.GetProductId() != product || s.GetReviewCount() != 1 || s.GetAverageRating() != 5 || s.GetPositiveShareBps() != 10000 || s.GetWithImagesCount() != 1 {
		t.Fatalf("summary on the product page %v", s)
	}
	if len(p.GetReviews()) != 1 || p.GetReviews()[0].GetReviewId() != r.GetReviewId() || p.GetReviews()[0].GetText() != "很好喝 lovely tea" ||
		p.GetReviews()[0].GetAuthorName() != "r**r" || p.GetReviewsNextPageToken() != "" ||
		!slices.Equal(p.GetReviews()[0].GetImageUrls(), []string{pictureURL}) {
		t.Fatalf("reviews on the product page %v", p.GetReviews())
	}
	// The picture is served by the mall itself, as uploaded.
	served, err := http.Get(m.url + pictureURL)
	if err != nil {
		t.Fatal(err)
	}
	defer served.Body.Close()
	body, err := io.ReadAll(served.Body)
	if err != nil || served.StatusCode != http.StatusOK || !bytes.Equal(body, picture.Bytes()) || served.Header.Get("Content-Type") != "image/png" ||
		served.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("the picture: %d %v %v", served.StatusCode, served.Header, err)
	}
}
