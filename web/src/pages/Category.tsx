import { useInfiniteQuery, useQuery } from "@connectrpc/connect-query";
import { NavLink, useParams, useSearchParams } from "react-router-dom";
import { ProductService, ProductSort } from "@gen/mall/product/v1/product_pb.js";
import { Empty, ErrorBox, Loading, MoreOnScroll, ProductGrid } from "../components/ui";

const sorts: { id: string; label: string; sort: ProductSort }[] = [
  { id: "newest", label: "Newest", sort: ProductSort.NEWEST },
  { id: "sales", label: "Best selling", sort: ProductSort.SALES },
  { id: "price-asc", label: "Price ↑", sort: ProductSort.PRICE_ASC },
  { id: "price-desc", label: "Price ↓", sort: ProductSort.PRICE_DESC },
];

export function CategoryPage() {
  const categories = useQuery(ProductService.method.listCategories, {});
  const { categoryId: chosen } = useParams();
  const [params, setParams] = useSearchParams();
  const sortId = params.get("sort") ?? "newest";
  const sort = (sorts.find((s) => s.id === sortId) ?? sorts[0])!;
  const list = categories.data?.categories ?? [];
  const categoryId = chosen ?? list[0]?.categoryId;

  if (categories.isPending) return <Loading />;
  if (categories.isError) return <ErrorBox error={categories.error} retry={() => void categories.refetch()} />;
  return (
    <div className="category-page">
      <nav className="category-list" aria-label="Categories">
        {list.map((c) => (
          <NavLink key={c.categoryId} to={`/category/${c.categoryId}`} className={c.categoryId === categoryId ? "active" : ""}>
            {c.name}
          </NavLink>
        ))}
      </nav>
      <section>
        <div className="sorts" role="tablist">
          {sorts.map((s) => (
            <button
              key={s.id}
              type="button"
              role="tab"
              aria-selected={s.id === sort.id}
              onClick={() => setParams({ sort: s.id }, { replace: true })}
            >
              {s.label}
            </button>
          ))}
        </div>
        {categoryId ? <Products categoryId={categoryId} sort={sort.sort} /> : <Empty>No categories yet.</Empty>}
      </section>
    </div>
  );
}

function Products({ categoryId, sort }: { categoryId: string; sort: ProductSort }) {
  const q = useInfiniteQuery(
    ProductService.method.listProducts,
    { categoryId, sort, pageSize: 20, pageToken: "" },
    { pageParamKey: "pageToken", getNextPageParam: (last) => last.nextPageToken || undefined },
  );
  if (q.isPending) return <Loading />;
  if (q.isError) return <ErrorBox error={q.error} retry={() => void q.refetch()} />;
  const products = q.data.pages.flatMap((p) => p.products);
  if (products.length === 0) return <Empty>No products in this category yet.</Empty>;
  return (
    <>
      <ProductGrid products={products} />
      <MoreOnScroll hasMore={q.hasNextPage} loading={q.isFetchingNextPage} onMore={() => void q.fetchNextPage()} />
    </>
  );
}
