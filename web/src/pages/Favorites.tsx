import { useInfiniteQuery, useMutation } from "@connectrpc/connect-query";
import { Trans, useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { StorefrontService } from "@gen/mall/storefront/v1/storefront_pb.js";
import { UserService } from "@gen/mall/user/v1/user_pb.js";
import { QueryView } from "../components/QueryView";
import { ErrorBox, MoreOnScroll, Price } from "../components/ui";
import { useInvalidate } from "../hooks/useInvalidate";
import { Picture } from "../components/Picture";
import { useTitle } from "../hooks/useTitle";

export function FavoritesPage() {
  const { t } = useTranslation();
  useTitle(t("titles.favorites"));
  const q = useInfiniteQuery(
    UserService.method.listFavorites,
    { pageSize: 20, pageToken: "" },
    { pageParamKey: "pageToken", getNextPageParam: (last) => last.nextPageToken || undefined },
  );
  const invalidate = useInvalidate();
  const remove = useMutation(UserService.method.removeFavorite, { onSuccess: () => invalidate(UserService, StorefrontService) });
  return (
    <div className="favorites-page">
      <h1>{t("favorites.title")}</h1>
      <ErrorBox error={remove.error} />
      <QueryView
        query={q}
        isEmpty={(d) => d.pages.every((p) => p.favorites.length === 0)}
        empty={<Trans i18nKey="favorites.empty" components={{ a: <Link to="/" /> }} />}
      >
        {(d) => (
          <ul className="fav-list">
            {d.pages
              .flatMap((p) => p.favorites)
              .map((f) => (
                <li key={f.productId} className="card">
                  <Link to={`/product/${f.productId}`}>
                    <Picture src={f.product?.imageUrls[0]} alt="" />
                    <span className="title" translate="no">
                      {f.product?.title ?? f.productId}
                    </span>
                  </Link>
                  {f.product && <Price cents={f.product.priceCents} />}
                  <button type="button" className="link" onClick={() => remove.mutate({ productId: f.productId })}>
                    {t("favorites.remove")}
                  </button>
                </li>
              ))}
          </ul>
        )}
      </QueryView>
      <MoreOnScroll hasMore={q.hasNextPage} loading={q.isFetchingNextPage} onMore={() => void q.fetchNextPage()} />
    </div>
  );
}
