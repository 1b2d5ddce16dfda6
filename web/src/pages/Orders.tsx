import { skipToken, useInfiniteQuery, useQuery } from "@connectrpc/connect-query";
import { useTranslation } from "react-i18next";
import { useEffect, useRef } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { OrderService, type Order } from "@gen/mall/order/v1/order_pb.js";
import { ReviewService, type GetReviewStatusResponse } from "@gen/mall/review/v1/review_pb.js";
import { OrderActions, RefundNote, StatusBadge, TabCount } from "../components/order";
import { QueryView } from "../components/QueryView";
import { MoreOnScroll, When } from "../components/ui";
import { useLang } from "../hooks/useLang";
import { useTitle } from "../hooks/useTitle";
import { money } from "../lib/format";
import { isOrderTab, listFilterOf, orderTabs, refetchEvery, unreviewedLines, type OrderTab } from "../lib/orders";
import { Picture } from "../components/Picture";

// toReview leaves out the orders whose lines all have a review.
function toReview(orders: Order[], status: GetReviewStatusResponse): Order[] {
  return orders.filter((o) => unreviewedLines(o, status.reviewed).length > 0);
}

export function OrdersPage() {
  const { t } = useTranslation();
  useTitle(t("titles.orders"));
  const [params, setParams] = useSearchParams();
  const raw = params.get("tab");
  const tab: OrderTab = isOrderTab(raw) ? raw : "all";
  const q = useInfiniteQuery(
    OrderService.method.listOrders,
    { ...listFilterOf(tab), pageSize: 10, pageToken: "" },
    {
      pageParamKey: "pageToken",
      getNextPageParam: (last) => last.nextPageToken || undefined,
      // A refund under way on a listed order: ask again until it is done.
      refetchInterval: (query) => {
        const orders = query.state.data?.pages.flatMap((p) => p.orders) ?? [];
        return orders.some((o) => refetchEvery(o, false) !== false) ? 3000 : false;
      },
    },
  );
  const all = q.data?.pages.flatMap((p) => p.orders) ?? [];
  // The tabs' numbers move with the list: while a listed refund is under
  // way they are asked for as often (a refund done moves an order out of
  // 待发货); any change the shopper makes invalidates both.
  const live = all.some((o) => refetchEvery(o, false) !== false);
  const counts = useQuery(OrderService.method.countOrders, {}, { refetchInterval: live ? 3000 : false });
  // On a phone the row of tabs scrolls: the chosen one is brought to its
  // middle (a link to 退款/售后 opens at the row's far end).
  const chosen = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    chosen.current?.scrollIntoView({ block: "nearest", inline: "center" });
  }, [tab]);
  const reviewStatus = useQuery(
    ReviewService.method.getReviewStatus,
    tab === "review" && all.length > 0 ? { orderIds: all.map((o) => o.orderId) } : skipToken,
  );

  return (
    <div className="orders-page">
      <h1>{t("orders.title")}</h1>
      <div className="tabs" role="tablist" aria-label={t("orders.tabs")}>
        {orderTabs.map((id) => (
          <button
            key={id}
            ref={id === tab ? chosen : undefined}
            type="button"
            role="tab"
            aria-selected={id === tab}
            data-tab={id}
            onClick={() => setParams({ tab: id })}
          >
            {t(`orderTabs.${id}`)}
            <TabCount tab={id} counts={counts.data} />
          </button>
        ))}
      </div>
      <QueryView
        query={q}
        isEmpty={(d) => d.pages.every((p) => p.orders.length === 0)}
        empty={tab === "refund" ? t("orders.noRefunds") : t("orders.empty")}
      >
        {() =>
          tab === "review" ? (
            <QueryView query={reviewStatus} isEmpty={(r) => toReview(all, r).length === 0} empty={t("orders.empty")}>
              {(r) => <OrderList orders={toReview(all, r)} tab={tab} />}
            </QueryView>
          ) : (
            <OrderList orders={all} tab={tab} />
          )
        }
      </QueryView>
      <MoreOnScroll hasMore={q.hasNextPage} loading={q.isFetchingNextPage} onMore={() => void q.fetchNextPage()} />
    </div>
  );
}

function OrderList({ orders, tab }: { orders: Order[]; tab: OrderTab }) {
  const { t } = useTranslation();
  const lang = useLang();
  return (
    <ul className="order-list">
      {orders.map((o) => (
        <li key={o.orderId} className="card order-card" data-order={o.orderId}>
          <div className="order-head">
            <Link to={`/orders/${o.orderId}`}>
              <When at={o.createdAt} />
            </Link>
            <StatusBadge order={o} />
          </div>
          <Link to={`/orders/${o.orderId}`} className="order-thumbs">
            {o.lines.map((l) => (
              <Picture key={l.productId} src={l.imageUrl} alt={l.title} altIsData />
            ))}
            {o.lines.length === 1 && (
              <span className="title" translate="no">
                {o.lines[0]?.title}
              </span>
            )}
          </Link>
          {tab === "refund" && <RefundNote order={o} />}
          <div className="order-foot">
            <span>
              {t("common.total")} <b>{money(o.totalCents, lang)}</b>
            </span>
            {tab === "review" ? (
              <Link className="button" to={`/orders/${o.orderId}`}>
                {t("orders.writeReview")}
              </Link>
            ) : (
              <OrderActions order={o} />
            )}
          </div>
        </li>
      ))}
    </ul>
  );
}
