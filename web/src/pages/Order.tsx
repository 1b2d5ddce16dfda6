import { skipToken, useQuery } from "@connectrpc/connect-query";
import { useCallback, useEffect, useRef, useState } from "react";
import { Trans, useTranslation } from "react-i18next";
import { Link, useParams, useSearchParams } from "react-router-dom";
import { OrderKind, OrderService, OrderStatus, RefundState, type Order } from "@gen/mall/order/v1/order_pb.js";
import { ReviewService } from "@gen/mall/review/v1/review_pb.js";
import { OrderActions, RefundNote, ReviewForm, StatusBadge } from "../components/order";
import { QueryView } from "../components/QueryView";
import { useLang } from "../hooks/useLang";
import { useTitle } from "../hooks/useTitle";
import { money } from "../lib/format";
import { When } from "../components/ui";
import { Picture } from "../components/Picture";
import { useFollowOrder } from "../hooks/useFollowOrder";
import { useInvalidate } from "../hooks/useInvalidate";
import { causeText } from "../lib/codes";
import { actionsOf, paymentStartedBy, refetchEvery, statusName, unreviewedLines } from "../lib/orders";

export function OrderPage() {
  const { t } = useTranslation();
  useTitle(t("titles.order"));
  const { orderId = "" } = useParams();
  const [params] = useSearchParams();
  // Back from the provider's pay page: the payment is confirmed to us by
  // the provider's webhook, so follow the order until it says PAID; the
  // same while a refund is under way.
  const returned = params.get("status");
  const paymentStarted = paymentStartedBy(returned);
  const q = useQuery(
    OrderService.method.getOrder,
    { orderId },
    { refetchOnWindowFocus: (query) => refetchEvery(query.state.data?.order, paymentStarted) !== false },
  );
  // While it is about to change, the order is streamed (WatchOrder) into
  // the query's cache instead of asked for again and again.
  const settled = useCallback((o: Order) => refetchEvery(o, paymentStarted) === false, [paymentStarted]);
  useFollowOrder(orderId, q.data?.order !== undefined && !settled(q.data.order), settled);
  useListsFollow(q.data?.order);
  return (
    <QueryView query={q} isEmpty={(d) => !d.order} empty={t("order.notFound")}>
      {(d) => d.order && <OrderDetails order={d.order} returned={returned} />}
    </QueryView>
  );
}

// useListsFollow marks the order lists and the tabs' counts stale when the
// order shown moves by itself (paid, refunded) while this page asks again,
// so the orders page does not show it where it was.
function useListsFollow(order: Order | undefined) {
  const invalidate = useInvalidate();
  const seen = useRef<string | null>(null);
  const state = order ? `${order.orderId}:${order.status}:${order.refundState}` : null;
  useEffect(() => {
    if (state === null) return;
    if (seen.current !== null && seen.current !== state) void invalidate(OrderService);
    seen.current = state;
  }, [state, invalidate]);
}

function OrderDetails({ order, returned }: { order: Order; returned: string | null }) {
  const { t } = useTranslation();
  const lang = useLang();
  const reviewable = actionsOf(order).review;
  const reviews = useQuery(ReviewService.method.getReviewStatus, reviewable ? { orderIds: [order.orderId] } : skipToken);
  const [writing, setWriting] = useState<string | null>(null);
  const open = reviewable ? unreviewedLines(order, reviews.data?.reviewed ?? []) : [];
  const a = order.shippingAddress;

  return (
    <div className="order-page">
      <h1>
        {t("order.heading")} <span className="mono" translate="no">{order.orderId}</span>
      </h1>
      <div className="panel order-status">
        <StatusBadge order={order} />
        {order.kind === OrderKind.FLASH_SALE && <span className="tag">{t("common.flashSale")}</span>}
        {returned === "succeeded" && order.status === OrderStatus.PENDING_PAYMENT && (
          <p className="muted" role="status">
            {t("order.paymentReceived")}
          </p>
        )}
        {returned === "declined" && order.status === OrderStatus.PENDING_PAYMENT && (
          <p className="warn">{t("order.declined")}</p>
        )}
        {order.carrier && (
          <p>
            <Trans
              i18nKey="order.shipped"
              values={{ carrier: order.carrier, tracking: order.trackingNumber }}
              components={{ mono: <span className="mono" /> }}
            />
          </p>
        )}
        <OrderActions order={order} />
      </div>
      <section className="panel">
        <h2>{t("common.items")}</h2>
        <ul className="order-lines">
          {order.lines.map((l) => (
            <li key={l.productId}>
              <Link to={`/product/${l.productId}`}>
                <Picture src={l.imageUrl} alt="" />
              </Link>
              <Link to={`/product/${l.productId}`} className="title" translate="no">
                {l.title}
              </Link>
              <span>
                {money(l.unitPriceCents, lang)} × {l.quantity}
              </span>
              {open.includes(l.productId) &&
                (writing === l.productId ? (
                  <ReviewForm orderId={order.orderId} productId={l.productId} onDone={() => setWriting(null)} />
                ) : (
                  <button type="button" className="secondary" onClick={() => setWriting(l.productId)}>
                    {t("order.writeReview")}
                  </button>
                ))}
              {reviewable && !open.includes(l.productId) && reviews.data && <span className="ok">{t("order.reviewed")}</span>}
            </li>
          ))}
        </ul>
        <p className="total">
          {t("common.total")} <b>{money(order.totalCents, lang)}</b>
        </p>
      </section>
      {order.refundState !== RefundState.UNSPECIFIED && (
        <section className="panel">
          <h2>{t("order.refund")}</h2>
          <RefundNote order={order} />
        </section>
      )}
      {a && (
        <section className="panel">
          <h2>{t("common.shipTo")}</h2>
          <p translate="no">
            <b>{a.recipientName}</b> {a.phone}
            <br />
            {[a.province, a.city, a.district, a.detail, a.postalCode].filter(Boolean).join(" ")}
          </p>
        </section>
      )}
      <section className="panel">
        <h2>{t("order.history")}</h2>
        <ol className="history">
          {order.history.map((h, i) => {
            const cause = causeText(h.cause);
            return (
              <li key={i} data-cause={h.cause}>
                <When className="muted" at={h.occurredAt} /> {t(`orderStatus.${statusName(h.toStatus)}`)}
                {cause && <span className="muted"> — {cause}</span>}
              </li>
            );
          })}
        </ol>
      </section>
    </div>
  );
}
