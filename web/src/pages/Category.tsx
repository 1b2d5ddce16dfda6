import { useInfiniteQuery, useQuery } from "@connectrpc/connect-query";
import { useTranslation } from "react-i18next";
import { NavLink, useParams, useSearchParams } from "react-router-dom";
import { ProductService, ProductSort, type Category } from "@gen/mall/product/v1/product_pb.js";
import { QueryView } from "../components/QueryView";
import { Empty, MoreOnScroll, ProductGrid, SortTabs } from "../components/ui";
import { useTitle } from "../hooks/useTitle";

// A sort's id is its name in the URL (?sort=); its label is category.<label>.
interface Sort {
  id: string;
  label: "newest" | "sales" | "priceAsc" | "priceDesc";
  sort: ProductSort;
}

const newest: Sort = { id: "newest", label: "newest", sort: ProductSort.NEWEST };
const sorts: Sort[] = [
  newest,
  { id: "sales", label: "sales", sort: ProductSort.SALES },
  { id: "price-asc", label: "priceAsc", sort: ProductSort.PRICE_ASC },
  { id: "price-desc", label: "priceDesc", sort: ProductSort.PRICE_DESC },
];

export function CategoryPage() {
  const { t } = useTranslation();
  useTitle(t("titles.category"));
  const categories = useQuery(ProductService.method.listCategories, {});
  return <QueryView query={categories}>{(d) => <Categories list={d.categories} />}</QueryView>;
}

function Categories({ list }: { list: Category[] }) {
  const { t } = useTranslation();
  const { categoryId: chosen } = useParams();
  const [params, setParams] = useSearchParams();
  const sort = sorts.find((s) => s.id === params.get("sort")) ?? newest;
  const categoryId = chosen ?? list[0]?.categoryId;
  return (
    <div className="category-page">
      <nav className="category-list" aria-label={t("category.categories")}>
        {list.map((c) => (
          <NavLink key={c.categoryId} to={`/category/${c.categoryId}`} className={c.categoryId === categoryId ? "active" : ""}>
            <span translate="no">{c.name}</span>
          </NavLink>
        ))}
      </nav>
      <section>
        <SortTabs
          label={t("category.sorts")}
          sorts={sorts}
          chosen={sort}
          name={(s) => t(`category.${s.label}`)}
          onChoose={(s) => setParams({ sort: s.id }, { replace: true })}
        />
        {categoryId ? <Products categoryId={categoryId} sort={sort.sort} /> : <Empty>{t("category.noCategories")}</Empty>}
      </section>
    </div>
  );
}

function Products({ categoryId, sort }: { categoryId: string; sort: ProductSort }) {
  const { t } = useTranslation();
  const q = useInfiniteQuery(
    ProductService.method.listProducts,
    { categoryId, sort, pageSize: 20, pageToken: "" },
    { pageParamKey: "pageToken", getNextPageParam: (last) => last.nextPageToken || undefined },
  );
  return (
    <QueryView query={q} isEmpty={(d) => d.pages.every((p) => p.products.length === 0)} empty={t("category.noProducts")}>
      {(d) => (
        <>
          <ProductGrid products={d.pages.flatMap((p) => p.products)} />
          <MoreOnScroll hasMore={q.hasNextPage} loading={q.isFetchingNextPage} onMore={() => void q.fetchNextPage()} />
        </>
      )}
    </QueryView>
  );
}
