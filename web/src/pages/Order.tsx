import { skipToken, useQuery } from "@connectrpc/connect-query";
import { useState } from "react";
import { Link, useParams, useSearchParams } from "react-router-dom";
import { OrderKind, OrderService, OrderStatus, type Order } from "@gen/mall/order/v1/order_pb.js";
import { ReviewService } from "@gen/mall/review/v1/review_pb.js";
import { OrderActions, ReviewForm, StatusBadge } from "../components/order";
import { QueryView } from "../components/QueryView";
import { dateTime, money } from "../lib/format";
import { actionsOf, statusLabel, unreviewedLines } from "../lib/orders";
import { Picture } from "../components/Picture";

export function OrderPage() {
  const { orderId = "" } = useParams();
  const [params] = useSearchParams();
  // Back from the provider's pay page: the payment is confirmed to us by
  // the provider's webhook, so keep asking until the order says PAID.
  const returned = params.get("status");
  const q = useQuery(
    OrderService.method.getOrder,
    { orderId },
    { refetchInterval: (query) => (query.state.data?.order?.status === OrderStatus.PENDING_PAYMENT ? 2000 : false) },
  );
  return (
    <QueryView query={q} isEmpty={(d) => !d.order} empty="No such order.">
      {(d) => d.order && <OrderDetails order={d.order} returned={returned} />}
    </QueryView>
  );
}

function OrderDetails({ order, returned }: { order: Order; returned: string | null }) {
  const reviewable = actionsOf(order).review;
  const reviews = useQuery(ReviewService.method.getReviewStatus, reviewable ? { orderIds: [order.orderId] } : skipToken);
  const [writing, setWriting] = useState<string | null>(null);
  const open = reviewable ? unreviewedLines(order, reviews.data?.reviewed ?? []) : [];
  const a = order.shippingAddress;

  return (
    <div className="order-page">
      <h1>
        Order <span className="mono">{order.orderId}</span>
      </h1>
      <div className="panel order-status">
        <StatusBadge order={order} />
        {order.kind === OrderKind.FLASH_SALE && <span className="tag">Flash sale</span>}
        {returned === "succeeded" && order.status === OrderStatus.PENDING_PAYMENT && (
          <p className="muted" role="status">
            Payment received by the provider; waiting for its confirmation…
          </p>
        )}
        {returned === "declined" && order.status === OrderStatus.PENDING_PAYMENT && (
          <p className="warn">The payment was declined. You can try again.</p>
        )}
        {order.carrier && (
          <p>
            Shipped with {order.carrier}, tracking number <span className="mono">{order.trackingNumber}</span>
          </p>
        )}
        <OrderActions order={order} />
      </div>
      <section className="panel">
        <h2>Items</h2>
        <ul className="order-lines">
          {order.lines.map((l) => (
            <li key={l.productId}>
              <Link to={`/product/${l.productId}`}>
                <Picture src={l.imageUrl} alt="" />
              </Link>
              <Link to={`/product/${l.productId}`} className="title">
                {l.title}
              </Link>
              <span>
                {money(l.unitPriceCents)} × {l.quantity}
              </span>
              {open.includes(l.productId) &&
                (writing === l.productId ? (
                  <ReviewForm orderId={order.orderId} productId={l.productId} onDone={() => setWriting(null)} />
                ) : (
                  <button type="button" className="secondary" onClick={() => setWriting(l.productId)}>
                    Write a review
                  </button>
                ))}
              {reviewable && !open.includes(l.productId) && reviews.data && <span className="ok">Reviewed</span>}
            </li>
          ))}
        </ul>
        <p className="total">
          Total <b>{money(order.totalCents)}</b>
        </p>
      </section>
      {a && (
        <section className="panel">
          <h2>Ship to</h2>
          <p>
            <b>{a.recipientName}</b> {a.phone}
            <br />
            {[a.province, a.city, a.district, a.detail, a.postalCode].filter(Boolean).join(" ")}
          </p>
        </section>
      )}
      <section className="panel">
        <h2>History</h2>
        <ol className="history">
          {order.history.map((h, i) => (
            <li key={i}>
              <span className="muted">{dateTime(h.occurredAt)}</span> {statusLabel(h.toStatus)}
              {h.reason && <span className="muted"> — {h.reason}</span>}
            </li>
          ))}
        </ol>
      </section>
    </div>
  );
}
