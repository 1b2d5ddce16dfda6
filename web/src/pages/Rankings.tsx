import { useQuery } from "@connectrpc/connect-query";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router-dom";
import { ProductService, type Category } from "@gen/mall/product/v1/product_pb.js";
import { Picture } from "../components/Picture";
import { QueryView } from "../components/QueryView";
import { Price } from "../components/ui";
import { useTitle } from "../hooks/useTitle";

// The page shows this many places of a ranking.
const places = 20;

// RankingsPage is the top sellers, over the whole shop first, then within
// each root category (?category=<id>), one tab each.
export function RankingsPage() {
  const { t } = useTranslation();
  useTitle(t("rankings.title"));
  const [params, setParams] = useSearchParams();
  const categoryId = params.get("category") ?? "";
  const categories = useQuery(ProductService.method.listCategories, {});
  const roots: Category[] = (categories.data?.categories ?? []).filter((c) => !c.parentId);
  const tabs = [{ categoryId: "", name: t("rankings.all") }, ...roots];
  return (
    <div className="rankings-page">
      <h1>{t("rankings.title")}</h1>
      <div className="tabs" role="tablist" aria-label={t("rankings.categories")}>
        {tabs.map((c) => (
          <button
            key={c.categoryId}
            type="button"
            role="tab"
            aria-selected={c.categoryId === categoryId}
            onClick={() => setParams(c.categoryId ? { category: c.categoryId } : {}, { replace: true })}
          >
            <span translate="no">{c.name}</span>
          </button>
        ))}
      </div>
      <Ranking categoryId={categoryId} />
    </div>
  );
}

function Ranking({ categoryId }: { categoryId: string }) {
  const { t } = useTranslation();
  const q = useQuery(ProductService.method.getRanking, { categoryId, limit: places });
  return (
    <QueryView query={q} isEmpty={(d) => d.entries.every((e) => !e.product)} empty={t("rankings.empty")}>
      {(d) => (
        <ol className="ranking ranking-full" data-category={categoryId}>
          {d.entries.map((e) =>
            e.product ? (
              <li key={e.product.productId} className={e.rank <= 3 ? `podium podium-${e.rank}` : undefined}>
                <Link to={`/product/${e.product.productId}`}>
                  <span className="rank">{e.rank}</span>
                  <Picture src={e.product.imageUrls[0]} alt="" />
                  <span className="ranking-body">
                    <span className="title" translate="no">
                      {e.product.title}
                    </span>
                    <span className="muted">{t("rankings.sold", { n: e.score.toString() })}</span>
                  </span>
                  <Price cents={e.product.priceCents} />
                </Link>
              </li>
            ) : null,
          )}
        </ol>
      )}
    </QueryView>
  );
}
