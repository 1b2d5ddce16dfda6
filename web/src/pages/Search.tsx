import { skipToken, useInfiniteQuery } from "@connectrpc/connect-query";
import { useTranslation } from "react-i18next";
import { useSearchParams } from "react-router-dom";
import { ProductService } from "@gen/mall/product/v1/product_pb.js";
import { QueryView } from "../components/QueryView";
import { Empty, MoreOnScroll, ProductGrid, SortTabs } from "../components/ui";
import { useLang } from "../hooks/useLang";
import { useTitle } from "../hooks/useTitle";
import { searchSortOf, searchSorts } from "../lib/search";

export function SearchPage() {
  const { t } = useTranslation();
  const lang = useLang();
  const [params, setParams] = useSearchParams();
  const keyword = (params.get("q") ?? "").trim();
  const sort = searchSortOf(params.get("sort"));
  useTitle(keyword ? t("titles.searchFor", { keyword }) : t("titles.search"));
  const q = useInfiniteQuery(
    ProductService.method.searchProducts,
    keyword ? { keyword, sort: sort.sort, pageSize: 20, pageToken: "" } : skipToken,
    { pageParamKey: "pageToken", getNextPageParam: (last) => last.nextPageToken || undefined },
  );
  if (!keyword) return <Empty>{t("search.prompt")}</Empty>;
  const total = q.data?.pages[0]?.total;
  return (
    <div className="search-page">
      <h1>{t("search.resultsFor", { keyword })}</h1>
      <SortTabs
        label={t("search.sorts")}
        sorts={searchSorts}
        chosen={sort}
        name={(s) => t(`search.${s.label}`)}
        onChoose={(s) =>
          setParams(
            (p) => {
              p.set("sort", s.id);
              return p;
            },
            { replace: true },
          )
        }
      />
      {total !== undefined && total > 0n && (
        <p className="muted result-count" data-total={total.toString()}>
          {t("search.count", { n: new Intl.NumberFormat(lang).format(total) })}
        </p>
      )}
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
