import { useQuery } from "@connectrpc/connect-query";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import type { Banner } from "@gen/mall/product/v1/product_pb.js";
import { EventState, type FlashSaleEvent } from "@gen/mall/seckill/v1/seckill_pb.js";
import { HomePart, StorefrontService, type GetHomeResponse } from "@gen/mall/storefront/v1/storefront_pb.js";
import { QueryView } from "../components/QueryView";
import { Empty, Price, ProductGrid, SaleClock } from "../components/ui";
import { useTitle } from "../hooks/useTitle";
import { Picture } from "../components/Picture";
import { bannerTarget } from "../lib/banner";

export function HomePage() {
  useTitle();
  // A part the storefront could not fetch in time (a cold start, a service
  // down) is back within its refresh: ask again until none is missing.
  const home = useQuery(
    StorefrontService.method.getHome,
    {},
    { refetchInterval: (query) => ((query.state.data?.degradedParts.length ?? 0) > 0 ? 3000 : false) },
  );
  return <QueryView query={home}>{(h) => <HomeContent home={h} />}</QueryView>;
}

function HomeContent({ home: h }: { home: GetHomeResponse }) {
  const { t } = useTranslation();
  // A part the storefront could not fetch is empty and named here.
  const degraded = (part: HomePart) => h.degradedParts.includes(part);
  return (
    <div className="home">
      <Carousel banners={h.banners} />
      <section className="shortcuts" aria-label={t("home.categories")}>
        {h.categories.map((c) => (
          <Link key={c.categoryId} to={`/category/${c.categoryId}`} className="shortcut">
            {c.iconUrl ? <Picture src={c.iconUrl} alt="" shape="icon" /> : <span className="icon">{c.name.slice(0, 1)}</span>}
            <span translate="no">{c.name}</span>
          </Link>
        ))}
      </section>
      <FlashEntry events={h.flashSales} />
      <section className="panel">
        <div className="section-head">
          <h2>{t("home.topSellers")}</h2>
          <Link to="/rankings" className="see-all">
            {t("rankings.seeAll")}
          </Link>
        </div>
        {h.ranking.length === 0 ? (
          <Empty>{degraded(HomePart.RANKING) ? t("home.rankingUnavailable") : t("home.noRanking")}</Empty>
        ) : (
          <ol className="ranking">
            {h.ranking.slice(0, 10).map((r) =>
              r.product ? (
                <li key={r.product.productId}>
                  <Link to={`/product/${r.product.productId}`}>
                    <span className="rank">{r.rank}</span>
                    <Picture src={r.product.imageUrls[0]} alt="" />
                    <span className="title" translate="no">
                      {r.product.title}
                    </span>
                    <Price cents={r.product.priceCents} />
                  </Link>
                </li>
              ) : null,
            )}
          </ol>
        )}
      </section>
      <section className="panel">
        <h2>{t("home.guessYouLike")}</h2>
        {h.recommendations.length === 0 ? (
          <Empty>{degraded(HomePart.RECOMMENDATIONS) ? t("home.recommendationsUnavailable") : t("home.noRecommendations")}</Empty>
        ) : (
          <ProductGrid products={h.recommendations} />
        )}
      </section>
    </div>
  );
}

function Carousel({ banners }: { banners: Banner[] }) {
  const { t } = useTranslation();
  const [at, setAt] = useState(0);
  useEffect(() => {
    if (banners.length < 2) return;
    const t = setInterval(() => setAt((i) => (i + 1) % banners.length), 4000);
    return () => clearInterval(t);
  }, [banners.length]);
  if (banners.length === 0) return null;
  const b = banners[at % banners.length];
  if (!b) return null;
  const target = bannerTarget(b);
  return (
    <section className="carousel" aria-roledescription={t("home.carousel")}>
      <Link to={target} className="slide">
        {/* The caption names the banner: the picture adds no words of its own. */}
        <Picture src={b.imageUrl} alt="" shape="banner" priority />
        <span className="caption" translate="no">
          {b.title}
        </span>
      </Link>
      <div className="dots">
        {banners.map((x, i) => (
          <button
            key={x.bannerId}
            type="button"
            aria-label={t("home.banner", { n: i + 1 })}
            aria-current={i === at % banners.length}
            onClick={() => setAt(i)}
          />
        ))}
      </div>
    </section>
  );
}

function FlashEntry({ events }: { events: FlashSaleEvent[] }) {
  const { t } = useTranslation();
  const live = events.filter((e) => e.state === EventState.LIVE);
  const next = events.filter((e) => e.state === EventState.UPCOMING);
  const shown = [...live, ...next].slice(0, 4);
  if (shown.length === 0) return null;
  const first = shown[0];
  return (
    <section className="panel flash-entry">
      <h2>
        <Link to="/flash">{t("home.flashSale")}</Link>
        {first && <SaleClock event={first} />}
      </h2>
      <div className="flash-row">
        {shown.map((e) => (
          <Link key={e.eventId} to={`/flash/${e.eventId}`} className="flash-item">
            <Picture src={e.imageUrl} alt="" />
            <Price cents={e.priceCents} was={e.originalPriceCents} />
            <span className="muted">{e.state === EventState.LIVE ? t("home.left", { n: e.remainingStock.toString() }) : t("home.soon")}</span>
          </Link>
        ))}
      </div>
    </section>
  );
}
