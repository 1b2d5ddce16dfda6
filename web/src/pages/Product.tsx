import { skipToken, useInfiniteQuery, useMutation, useQuery } from "@connectrpc/connect-query";
import { useState } from "react";
import { Trans, useTranslation } from "react-i18next";
import { Link, useLocation, useNavigate, useParams } from "react-router-dom";
import { CartService } from "@gen/mall/cart/v1/cart_pb.js";
import { ReviewFilter, ReviewService, type ReviewSummary } from "@gen/mall/review/v1/review_pb.js";
import { EventState } from "@gen/mall/seckill/v1/seckill_pb.js";
import { StorefrontService, type GetProductPageResponse } from "@gen/mall/storefront/v1/storefront_pb.js";
import { UserService } from "@gen/mall/user/v1/user_pb.js";
import { QueryView } from "../components/QueryView";
import { Icon } from "../components/icons";
import { ErrorBox, MoreOnScroll, Price, SaleClock } from "../components/ui";
import { useInvalidate } from "../hooks/useInvalidate";
import { useLang } from "../hooks/useLang";
import { useNow } from "../hooks/useNow";
import { useSession } from "../hooks/useSession";
import { useTitle } from "../hooks/useTitle";
import { dateTime, decimal, millis, percent, relativeTime, stars } from "../lib/format";
import { loginPath } from "../lib/identity";
import { Picture } from "../components/Picture";

export function ProductPage() {
  const { t } = useTranslation();
  const { productId = "" } = useParams();
  const page = useQuery(StorefrontService.method.getProductPage, { productId });
  useTitle(page.data?.product?.title ?? t("titles.product"));
  return (
    <QueryView query={page} isEmpty={(d) => !d.product} empty={t("product.notFound")}>
      {(d) => <ProductDetails productId={productId} page={d} />}
    </QueryView>
  );
}

function ProductDetails({ productId, page }: { productId: string; page: GetProductPageResponse }) {
  const { t } = useTranslation();
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
  const cart = useQuery(CartService.method.listCart, session ? {} : skipToken);
  const cartCount = cart.data?.totalQuantity ?? 0;

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
        <Picture className="main-image" src={product.imageUrls[image] ?? product.imageUrls[0]} alt={product.title} altIsData priority />
        {product.imageUrls.length > 1 && (
          <div className="thumbs">
            {product.imageUrls.map((u, i) => (
              <button key={u} type="button" aria-current={i === image} onClick={() => setImage(i)}>
                <Picture src={u} alt={t("product.picture", { n: i + 1 })} />
              </button>
            ))}
          </div>
        )}
      </div>
      <div className="buy-box">
        <h1 translate="no">{product.title}</h1>
        {product.subtitle && (
          <p className="muted" translate="no">
            {product.subtitle}
          </p>
        )}
        <div className="big-price">
          <Price cents={product.priceCents} />
        </div>
        <p className="muted">
          {soldOut ? t("product.outOfStock") : t("product.inStock", { n: stock })} · {t("common.sold", { n: product.salesCount.toString() })}
        </p>
        {flashSale && flashSale.state !== EventState.ENDED && (
          <Link className="flash-banner" to={`/flash/${flashSale.eventId}`}>
            {t("common.flashSale")} <Price cents={flashSale.priceCents} /> <SaleClock event={flashSale} />
          </Link>
        )}
        <div className="quantity">
          <span>{t("common.quantity")}</span>
          <button type="button" aria-label={t("common.fewer")} onClick={() => setQuantity((q) => Math.max(1, q - 1))}>
            −
          </button>
          <output aria-label={t("common.quantity")}>{quantity}</output>
          <button type="button" aria-label={t("common.more")} onClick={() => setQuantity((q) => Math.min(Math.max(1, stock), q + 1))}>
            +
          </button>
        </div>
        {/* On a phone a bar fixed at the bottom, in the tab bar's place;
            on a desktop the buttons beside the picture. */}
        <div className="buy-bar">
          <button
            type="button"
            className="fav bar-icon"
            aria-pressed={isFavorite}
            disabled={addFavorite.isPending || removeFavorite.isPending}
            onClick={() => {
              if (needLogin()) return;
              if (isFavorite) removeFavorite.mutate({ productId });
              else addFavorite.mutate({ productId });
            }}
          >
            <Icon name="heart" filled={isFavorite} />
            {isFavorite ? t("product.favorited") : t("product.favorite")}
          </button>
          <Link to="/cart" className="bar-icon bar-cart">
            <Icon name="cart" />
            {t("layout.cart")}
            {cartCount > 0 && (
              <span className="tab-badge" data-testid="cart-count">
                {cartCount}
              </span>
            )}
          </Link>
          <button
            type="button"
            className="secondary"
            disabled={soldOut || addItem.isPending}
            onClick={() => !needLogin() && addItem.mutate({ productId, quantity })}
          >
            {t("product.addToCart")}
          </button>
          <button
            type="button"
            disabled={soldOut}
            onClick={() => {
              if (!needLogin()) void navigate(`/checkout?buy=${encodeURIComponent(productId)}&qty=${quantity}`);
            }}
          >
            {t("product.buyNow")}
          </button>
        </div>
        {added && (
          <p className="ok" role="status">
            <Trans i18nKey="product.added" components={{ a: <Link to="/cart" /> }} />
          </p>
        )}
        <ErrorBox error={mutationError} />
      </div>
      {product.description && (
        <section className="panel description">
          <h2>{t("product.details")}</h2>
          <p translate="no">{product.description}</p>
        </section>
      )}
      <Reviews productId={productId} summary={reviewSummary} />
    </article>
  );
}

const filters: { id: ReviewFilter; label: "newest" | "highest" | "withPictures" }[] = [
  { id: ReviewFilter.NEWEST, label: "newest" },
  { id: ReviewFilter.HIGHEST, label: "highest" },
  { id: ReviewFilter.WITH_IMAGES, label: "withPictures" },
];

function Reviews({ productId, summary }: { productId: string; summary: ReviewSummary | undefined }) {
  const { t } = useTranslation();
  const lang = useLang();
  // Review dates read as "3 days ago", updated each minute.
  const now = useNow(60_000);
  const [filter, setFilter] = useState(ReviewFilter.NEWEST);
  const q = useInfiniteQuery(
    ReviewService.method.listReviews,
    { productId, filter, pageSize: 10, pageToken: "" },
    { pageParamKey: "pageToken", getNextPageParam: (last) => last.nextPageToken || undefined },
  );
  const count = Number(summary?.reviewCount ?? 0n);
  return (
    <section className="panel reviews">
      <h2>{t("product.reviews", { n: count })}</h2>
      {summary && count > 0 && (
        <p className="summary">
          <span className="stars">{stars(summary.averageRating)}</span> {t("product.rating", { rating: decimal(summary.averageRating, lang, 1) })}{" "}
          · {t("product.positive", { percent: percent(summary.positiveShareBps, lang) })}
        </p>
      )}
      <div className="sorts" role="tablist" aria-label={t("product.reviewFilters")}>
        {filters.map((f) => (
          <button key={f.id} type="button" role="tab" aria-selected={f.id === filter} onClick={() => setFilter(f.id)}>
            {t(`product.${f.label}`)}
          </button>
        ))}
      </div>
      <QueryView query={q} isEmpty={(d) => d.pages.every((p) => p.reviews.length === 0)} empty={t("product.noReviews")}>
        {(d) => (
          <>
            <ul className="review-list">
              {d.pages
                .flatMap((p) => p.reviews)
                .map((r) => (
                  <li key={r.reviewId} className="review">
                    <div>
                      <b translate="no">{r.authorName}</b> <span className="stars">{stars(r.rating)}</span>{" "}
                      <time className="muted" dateTime={new Date(millis(r.createdAt)).toISOString()} title={dateTime(r.createdAt, lang)}>
                        {relativeTime(millis(r.createdAt), now, lang) ?? t("common.justNow")}
                      </time>
                    </div>
                    {r.text && <p translate="no">{r.text}</p>}
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
