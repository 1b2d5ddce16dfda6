import { useInfiniteQuery, useMutation, useQuery } from "@connectrpc/connect-query";
import { useState } from "react";
import { Link, useLocation, useNavigate, useParams } from "react-router-dom";
import { CartService } from "@gen/mall/cart/v1/cart_pb.js";
import { ReviewFilter, ReviewService, type ReviewSummary } from "@gen/mall/review/v1/review_pb.js";
import { EventState } from "@gen/mall/seckill/v1/seckill_pb.js";
import { StorefrontService, type GetProductPageResponse } from "@gen/mall/storefront/v1/storefront_pb.js";
import { UserService } from "@gen/mall/user/v1/user_pb.js";
import { QueryView } from "../components/QueryView";
import { Countdown, ErrorBox, MoreOnScroll, Price } from "../components/ui";
import { useInvalidate } from "../hooks/useInvalidate";
import { useSession } from "../hooks/useSession";
import { dateTime, millis, stars } from "../lib/format";
import { loginPath } from "../lib/identity";
import { Picture } from "../components/Picture";

export function ProductPage() {
  const { productId = "" } = useParams();
  const page = useQuery(StorefrontService.method.getProductPage, { productId });
  return (
    <QueryView query={page} isEmpty={(d) => !d.product} empty="This product does not exist.">
      {(d) => <ProductDetails productId={productId} page={d} />}
    </QueryView>
  );
}

function ProductDetails({ productId, page }: { productId: string; page: GetProductPageResponse }) {
  const session = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const invalidate = useInvalidate();
  const [image, setImage] = useState(0);
  const [quantity, setQuantity] = useState(1);
  const [added, setAdded] = useState(false);
  const addItem = useMutation(CartService.method.addItem, {
    onSuccess: async () => {
      setAdded(true);
      await invalidate(CartService);
    },
  });
  const addFavorite = useMutation(UserService.method.addFavorite, { onSuccess: () => invalidate(StorefrontService, UserService) });
  const removeFavorite = useMutation(UserService.method.removeFavorite, { onSuccess: () => invalidate(StorefrontService, UserService) });

  const { product, reviewSummary, isFavorite, flashSale } = page;
  if (!product) return null;
  const needLogin = () => {
    if (session) return false;
    void navigate(loginPath(location));
    return true;
  };
  const stock = Number(product.stock);
  const soldOut = stock <= 0;
  const mutationError = addItem.error ?? addFavorite.error ?? removeFavorite.error;

  return (
    <article className="product-page">
      <div className="gallery">
        <Picture className="main-image" src={product.imageUrls[image] ?? product.imageUrls[0]} alt={product.title} priority />
        {product.imageUrls.length > 1 && (
          <div className="thumbs">
            {product.imageUrls.map((u, i) => (
              <button key={u} type="button" aria-current={i === image} onClick={() => setImage(i)}>
                <Picture src={u} alt={`Picture ${i + 1}`} />
              </button>
            ))}
          </div>
        )}
      </div>
      <div className="buy-box">
        <h1>{product.title}</h1>
        {product.subtitle && <p className="muted">{product.subtitle}</p>}
        <div className="big-price">
          <Price cents={product.priceCents} />
        </div>
        <p className="muted">
          {soldOut ? "Out of stock" : `${stock} in stock`} · {product.salesCount.toString()} sold
        </p>
        {flashSale && flashSale.state !== EventState.ENDED && (
          <Link className="flash-banner" to={`/flash/${flashSale.eventId}`}>
            Flash sale <Price cents={flashSale.priceCents} />{" "}
            <Countdown
              until={millis(flashSale.state === EventState.LIVE ? flashSale.endsAt : flashSale.startsAt)}
              prefix={flashSale.state === EventState.LIVE ? "ends in " : "starts in "}
            />
          </Link>
        )}
        <div className="quantity">
          <span>Quantity</span>
          <button type="button" aria-label="Fewer" onClick={() => setQuantity((q) => Math.max(1, q - 1))}>
            −
          </button>
          <output aria-label="Quantity">{quantity}</output>
          <button type="button" aria-label="More" onClick={() => setQuantity((q) => Math.min(Math.max(1, stock), q + 1))}>
            +
          </button>
        </div>
        <div className="actions">
          <button
            type="button"
            className="secondary"
            disabled={soldOut || addItem.isPending}
            onClick={() => !needLogin() && addItem.mutate({ productId, quantity })}
          >
            Add to cart
          </button>
          <button
            type="button"
            disabled={soldOut}
            onClick={() => {
              if (!needLogin()) void navigate(`/checkout?buy=${encodeURIComponent(productId)}&qty=${quantity}`);
            }}
          >
            Buy now
          </button>
          <button
            type="button"
            className="fav"
            aria-pressed={isFavorite}
            disabled={addFavorite.isPending || removeFavorite.isPending}
            onClick={() => {
              if (needLogin()) return;
              if (isFavorite) removeFavorite.mutate({ productId });
              else addFavorite.mutate({ productId });
            }}
          >
            {isFavorite ? "♥ Favorited" : "♡ Favorite"}
          </button>
        </div>
        {added && (
          <p className="ok" role="status">
            Added to your cart. <Link to="/cart">Go to cart</Link>
          </p>
        )}
        <ErrorBox error={mutationError} />
      </div>
      {product.description && (
        <section className="panel description">
          <h2>Details</h2>
          <p>{product.description}</p>
        </section>
      )}
      <Reviews productId={productId} summary={reviewSummary} />
    </article>
  );
}

const filters: { id: ReviewFilter; label: string }[] = [
  { id: ReviewFilter.NEWEST, label: "Newest" },
  { id: ReviewFilter.HIGHEST, label: "Highest rated" },
  { id: ReviewFilter.WITH_IMAGES, label: "With pictures" },
];

function Reviews({ productId, summary }: { productId: string; summary: ReviewSummary | undefined }) {
  const [filter, setFilter] = useState(ReviewFilter.NEWEST);
  const q = useInfiniteQuery(
    ReviewService.method.listReviews,
    { productId, filter, pageSize: 10, pageToken: "" },
    { pageParamKey: "pageToken", getNextPageParam: (last) => last.nextPageToken || undefined },
  );
  const count = Number(summary?.reviewCount ?? 0n);
  return (
    <section className="panel reviews">
      <h2>Reviews ({count})</h2>
      {summary && count > 0 && (
        <p className="summary">
          <span className="stars">{stars(summary.averageRating)}</span> {summary.averageRating.toFixed(1)} ·{" "}
          {(summary.positiveShareBps / 100).toFixed(0)}% positive
        </p>
      )}
      <div className="sorts" role="tablist">
        {filters.map((f) => (
          <button key={f.id} type="button" role="tab" aria-selected={f.id === filter} onClick={() => setFilter(f.id)}>
            {f.label}
          </button>
        ))}
      </div>
      <QueryView query={q} isEmpty={(d) => d.pages.every((p) => p.reviews.length === 0)} empty="No reviews yet.">
        {(d) => (
          <>
            <ul className="review-list">
              {d.pages
                .flatMap((p) => p.reviews)
                .map((r) => (
                  <li key={r.reviewId} className="review">
                    <div>
                      <b>{r.authorName}</b> <span className="stars">{stars(r.rating)}</span>{" "}
                      <span className="muted">{dateTime(r.createdAt)}</span>
                    </div>
                    {r.text && <p>{r.text}</p>}
                    {r.imageUrls.length > 0 && (
                      <div className="thumbs">
                        {r.imageUrls.map((u) => (
                          <img key={u} src={u} alt="" loading="lazy" />
                        ))}
                      </div>
                    )}
                  </li>
                ))}
            </ul>
            <MoreOnScroll hasMore={q.hasNextPage} loading={q.isFetchingNextPage} onMore={() => void q.fetchNextPage()} />
          </>
        )}
      </QueryView>
    </section>
  );
}
