import { skipToken, useInfiniteQuery } from "@connectrpc/connect-query";
import { useTranslation } from "react-i18next";
import { useSearchParams } from "react-router-dom";
import { ProductService } from "@gen/mall/product/v1/product_pb.js";
import { QueryView } from "../components/QueryView";
import { Empty, MoreOnScroll, ProductGrid } from "../components/ui";
import { useTitle } from "../hooks/useTitle";

export function SearchPage() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const keyword = (params.get("q") ?? "").trim();
  useTitle(keyword ? t("titles.searchFor", { keyword }) : t("titles.search"));
  const q = useInfiniteQuery(
    ProductService.method.searchProducts,
    keyword ? { keyword, pageSize: 20, pageToken: "" } : skipToken,
    { pageParamKey: "pageToken", getNextPageParam: (last) => last.nextPageToken || undefined },
  );
  if (!keyword) return <Empty>{t("search.prompt")}</Empty>;
  return (
    <div className="search-page">
      <h1>{t("search.resultsFor", { keyword })}</h1>
      <QueryView
        query={q}
        isEmpty={(d) => d.pages.every((p) => p.products.length === 0)}
        empty={t("search.nothing", { keyword })}
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
