import { useInfiniteQuery, useMutation } from "@connectrpc/connect-query";
import { Link } from "react-router-dom";
import { UserService } from "@gen/mall/user/v1/user_pb.js";
import { Empty, ErrorBox, Loading, MoreOnScroll, Price, useInvalidate } from "../components/ui";
import { StorefrontService } from "@gen/mall/storefront/v1/storefront_pb.js";

export function FavoritesPage() {
  const q = useInfiniteQuery(
    UserService.method.listFavorites,
    { pageSize: 20, pageToken: "" },
    { pageParamKey: "pageToken", getNextPageParam: (last) => last.nextPageToken || undefined },
  );
  const invalidate = useInvalidate();
  const remove = useMutation(UserService.method.removeFavorite, { onSuccess: () => invalidate(UserService, StorefrontService) });
  if (q.isPending) return <Loading />;
  if (q.isError) return <ErrorBox error={q.error} retry={() => void q.refetch()} />;
  const favorites = q.data.pages.flatMap((p) => p.favorites);
  return (
    <div className="favorites-page">
      <h1>My favorites</h1>
      <ErrorBox error={remove.error} />
      {favorites.length === 0 ? (
        <Empty>
          Nothing saved yet. Tap ♡ on a product to keep it here. <Link to="/">Browse</Link>
        </Empty>
      ) : (
        <ul className="fav-list">
          {favorites.map((f) => (
            <li key={f.productId} className="card">
              <Link to={`/product/${f.productId}`}>
                <img src={f.product?.imageUrls[0] ?? ""} alt="" />
                <span className="title">{f.product?.title ?? f.productId}</span>
              </Link>
              {f.product && <Price cents={f.product.priceCents} />}
              <button type="button" className="link" onClick={() => remove.mutate({ productId: f.productId })}>
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      <MoreOnScroll hasMore={q.hasNextPage} loading={q.isFetchingNextPage} onMore={() => void q.fetchNextPage()} />
    </div>
  );
}
