import { skipToken, useInfiniteQuery } from "@connectrpc/connect-query";
import { useSearchParams } from "react-router-dom";
import { ProductService } from "@gen/mall/product/v1/product_pb.js";
import { Empty, ErrorBox, Loading, MoreOnScroll, ProductGrid } from "../components/ui";

export function SearchPage() {
  const [params] = useSearchParams();
  const keyword = (params.get("q") ?? "").trim();
  const q = useInfiniteQuery(
    ProductService.method.searchProducts,
    keyword ? { keyword, pageSize: 20, pageToken: "" } : skipToken,
    { pageParamKey: "pageToken", getNextPageParam: (last) => last.nextPageToken || undefined },
  );
  if (!keyword) return <Empty>Type what you are looking for in the search box.</Empty>;
  if (q.isPending) return <Loading />;
  if (q.isError) return <ErrorBox error={q.error} retry={() => void q.refetch()} />;
  const products = q.data.pages.flatMap((p) => p.products);
  return (
    <div className="search-page">
      <h1>Results for “{keyword}”</h1>
      {products.length === 0 ? (
        <Empty>Nothing matches “{keyword}”. Try another word.</Empty>
      ) : (
        <>
          <ProductGrid products={products} />
          <MoreOnScroll hasMore={q.hasNextPage} loading={q.isFetchingNextPage} onMore={() => void q.fetchNextPage()} />
        </>
      )}
    </div>
  );
}
