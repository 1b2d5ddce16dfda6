package product

import (
	"context"
	"errors"
	"strings"
	"testing"

	"connectrpc.com/connect"

	productv1 "mall/gen/mall/product/v1"
	searchv1 "mall/gen/mall/search/v1"
	"mall/services/platform/rpcerr"
	"mall/services/platform/testenv"
)

// fakeSearcher answers as the search service would and keeps what it was
// asked.
type fakeSearcher struct {
	asked *searchv1.SearchProductsRequest
	err   error
}

func (f *fakeSearcher) SearchProducts(_ context.Context, req *connect.Request[searchv1.SearchProductsRequest]) (*connect.Response[searchv1.SearchProductsResponse], error) {
	f.asked = req.Msg
	if f.err != nil {
		return nil, f.err
	}
	return connect.NewResponse(&searchv1.SearchProductsResponse{Total: 7, NextPageToken: "next", Hits: []*searchv1.SearchHit{
		{Product: &productv1.Product{ProductId: "p0003", Title: "龙井绿茶 礼盒装"}},
		{Product: &productv1.Product{ProductId: "p0001", Title: "龙井绿茶 经典款"}},
	}}), nil
}

// TestTheDeprecatedSearchAnswersFromTheSearchService: the same request
// asked of the search service, its products and token back; its refusals
// of the caller's input passed on, its failures never.
func TestTheDeprecatedSearchAnswersFromTheSearchService(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	client := f.clients["connect-json"]
	_, err := client.SearchProducts(ctx, connect.NewRequest(&productv1.SearchProductsRequest{Keyword: "龙井"}))
	testenv.WantCode(t, err, connect.CodeUnavailable, ReasonSearchUnavailable)

	searcher := &fakeSearcher{}
	f.svc.SetSearcher(searcher)
	res, err := client.SearchProducts(ctx, connect.NewRequest(&productv1.SearchProductsRequest{
		Keyword: "龙井 礼盒", CategoryId: "c01", PageSize: 2, PageToken: "t", Sort: productv1.SearchSort_SEARCH_SORT_PRICE_DESC}))
	if err != nil {
		t.Fatal(err)
	}
	asked := searcher.asked
	if asked.GetQuery() != "龙井 礼盒" || asked.GetCategoryId() != "c01" || asked.GetPageSize() != 2 || asked.GetPageToken() != "t" ||
		asked.GetSort() != searchv1.SearchSort_SEARCH_SORT_PRICE_DESC {
		t.Errorf("asked the search service %v", asked)
	}
	if res.Msg.GetTotal() != 7 || res.Msg.GetNextPageToken() != "next" || len(res.Msg.GetProducts()) != 2 || res.Msg.GetProducts()[0].GetProductId() != "p0003" {
		t.Errorf("answered %v", res.Msg)
	}

	searcher.err = rpcerr.New(connect.CodeInvalidArgument, "QUERY_TOO_SHORT", "type more")
	_, err = client.SearchProducts(ctx, connect.NewRequest(&productv1.SearchProductsRequest{Keyword: "茶"}))
	testenv.WantCode(t, err, connect.CodeInvalidArgument, "QUERY_TOO_SHORT")

	searcher.err = connect.NewError(connect.CodeInternal, errors.New("bleve: segment 7 corrupt at /var/lib/secret"))
	_, err = client.SearchProducts(ctx, connect.NewRequest(&productv1.SearchProductsRequest{Keyword: "龙井"}))
	testenv.WantCode(t, err, connect.CodeUnavailable, ReasonSearchUnavailable)
	if strings.Contains(err.Error(), "secret") {
		t.Errorf("the search service's error text reached the client: %v", err)
	}
}
