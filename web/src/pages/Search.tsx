import { skipToken, useInfiniteQuery } from "@connectrpc/connect-query";
import { useSearchParams } from "react-router-dom";
import { ProductService } from "@gen/mall/product/v1/product_pb.js";
import { QueryView } from "../components/QueryView";
import { Empty, MoreOnScroll, ProductGrid } from "../components/ui";

export function SearchPage() {
  const [params] = useSearchParams();
  const keyword = (params.get("q") ?? "").trim();
  const q = useInfiniteQuery(
    ProductService.method.searchProducts,
    keyword ? { keyword, pageSize: 20, pageToken: "" } : skipToken,
    { pageParamKey: "pageToken", getNextPageParam: (last) => last.nextPageToken || undefined },
  );
  if (!keyword) return <Empty>Type what you are looking for in the search box.</Empty>;
  return (
    <div className="search-page">
      <h1>Results for “{keyword}”</h1>
      <QueryView
        query={q}
        isEmpty={(d) => d.pages.every((p) => p.products.length === 0)}
        empty={<>Nothing matches “{keyword}”. Try another word.</>}
      >
        {(d) => (
          <>
            <ProductGrid products={d.pages.flatMap((p) => p.products)} />
            <MoreOnScroll hasMore={q.hasNextPage} loading={q.isFetchingNextPage} onMore={() => void q.fetchNextPage()} />
          </>
        )}
      </QueryView>
    </div>
  );
}
