import { Code, createClient } from "@connectrpc/connect";
import { useMutation, useQuery, useTransport } from "@connectrpc/connect-query";
import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useLocation, useNavigate, useParams } from "react-router-dom";
import {
  EventState,
  PurchaseState,
  SeckillService,
  type FlashSaleEvent,
  type GetPurchaseResultResponse,
  type WatchPurchaseResultResponse,
} from "@gen/mall/seckill/v1/seckill_pb.js";
import { OrderService } from "@gen/mall/order/v1/order_pb.js";
import { PayButton } from "../components/order";
import { QueryView } from "../components/QueryView";
import { FormProblem, Loading, Price, SaleClock } from "../components/ui";
import { useFetchQuery } from "../hooks/useFetchQuery";
import { useFormProblem } from "../hooks/useFormProblem";
import { useInvalidate } from "../hooks/useInvalidate";
import { useNow } from "../hooks/useNow";
import { useSession } from "../hooks/useSession";
import { useTitle } from "../hooks/useTitle";
import { problemOf } from "../lib/errors";
import { purchaseFailureText } from "../lib/codes";
import { buyButton, refusalOf, type BuyLabel, type Refusal } from "../lib/flash";
import { loginPath } from "../lib/identity";
import { follow } from "../lib/follow";
import { Picture } from "../components/Picture";

export function FlashListPage() {
  const { t } = useTranslation();
  useTitle(t("titles.flashList"));
  const q = useQuery(SeckillService.method.listEvents, { states: [EventState.LIVE, EventState.UPCOMING], pageSize: 50, pageToken: "" });
  return (
    <QueryView query={q} isEmpty={(d) => d.events.length === 0} empty={t("flash.empty")}>
      {(d) => (
        <div className="flash-list">
          <h1>{t("flash.title")}</h1>
          <ul>
            {d.events.map((e) => (
              <li key={e.eventId} className="card flash-card">
                <Link to={`/flash/${e.eventId}`}>
                  <Picture src={e.imageUrl} alt="" />
                  <div>
                    <div className="title" translate="no">
                      {e.title}
                    </div>
                    <Price cents={e.priceCents} was={e.originalPriceCents} />
                    <SaleClock event={e} />
                  </div>
                </Link>
              </li>
            ))}
          </ul>
        </div>
      )}
    </QueryView>
  );
}

const ticketKey = (eventId: string) => `mall.flash.${eventId}`;

// results unwraps the result each message of WatchPurchaseResult carries.
async function* results(stream: AsyncIterable<WatchPurchaseResultResponse>): AsyncIterable<GetPurchaseResultResponse> {
  for await (const m of stream) if (m.result) yield m.result;
}

export function FlashSalePage() {
  const { t } = useTranslation();
  const { eventId = "" } = useParams();
  const q = useQuery(SeckillService.method.getEvent, { eventId }, { refetchInterval: 5000 });
  useTitle(q.data?.event?.title ?? t("titles.flashSale"));
  const session = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const now = useNow();
  // The ticket of this shopper's purchase survives a reload of the page.
  const [ticket, setTicket] = useState<string | null>(() => sessionStorage.getItem(ticketKey(eventId)));
  // When this page's purchase answered (Date.now()), for the first stream.
  const boughtAt = useRef<number | null>(null);
  const [result, setResult] = useState<GetPurchaseResultResponse | null>(null);
  // A refusal that stands until the situation can change (lib/flash).
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  const purchase = useMutation(SeckillService.method.purchase);
  const fetchQuery = useFetchQuery();
  const transport = useTransport();
  const invalidate = useInvalidate();
  const { problem, busy, submit, fail } = useFormProblem();

  useEffect(() => {
    if (!ticket) return;
    const ctl = new AbortController();
    // The server pushes the result the moment the writers record it; if
    // streaming keeps failing, follow polls GetPurchaseResult instead.
    const seckill = createClient(SeckillService, transport);
    // A ticket bought on this page a moment ago is known to be queued: the
    // first stream says so and the server spares itself a read. A stream
    // opened again later (or for a ticket kept from before) asks afresh.
    let justPurchased = boughtAt.current !== null && Date.now() - boughtAt.current < 5000;
    follow({
      open: (_cursor, signal) => {
        const req = { ticket, justPurchased };
        justPurchased = false;
        return results(seckill.watchPurchaseResult(req, { signal }));
      },
      fetch: () => fetchQuery(SeckillService.method.getPurchaseResult, { ticket }),
      done: (r) => r.state !== PurchaseState.QUEUED,
      onMessage: setResult,
      signal: ctl.signal,
      pollEvery: 1000,
      pollTimeout: 120_000,
    })
      .then((r) => {
        // A new order: the order lists and their counts are out of date.
        if (r.state === PurchaseState.ORDER_CREATED) void invalidate(OrderService);
      })
      .catch((err: unknown) => {
        if (ctl.signal.aborted) return;
        const p = problemOf(err);
        if (p.code === Code.NotFound || p.code === Code.PermissionDenied) {
          // A ticket of another sign-in on this tab: forget it.
          sessionStorage.removeItem(ticketKey(eventId));
          setTicket(null);
          return;
        }
        fail(() => problemOf(err));
      });
    return () => ctl.abort();
  }, [ticket, eventId, fetchQuery, transport, fail, invalidate]);

  const buy = (e: FlashSaleEvent) => {
    if (!session) {
      void navigate(loginPath(location));
      return;
    }
    // One click is one purchase: the button stays disabled while it runs,
    // and gives way to the purchase's result once there is a ticket. A
    // refusal keeps it disabled, saying why, while that still holds.
    void submit(async () => {
      try {
        const r = await purchase.mutateAsync({ eventId });
        boughtAt.current = Date.now();
        sessionStorage.setItem(ticketKey(eventId), r.ticket);
        setTicket(r.ticket);
      } catch (err) {
        setRefusal(refusalOf(err, e, Date.now()));
        throw err;
      } finally {
        void q.refetch(); // the remaining stock moved, or was not what it showed
      }
    });
  };
  const labels: Record<BuyLabel, string> = {
    buyNow: t("flash.buyNow"),
    buying: t("flash.buying"),
    notStarted: t("flash.notStarted"),
    ended: t("common.ended"),
    soldOut: t("flash.soldOut"),
    bought: t("flashRefusal.bought"),
    offShelf: t("flashRefusal.offShelf"),
    wait: t("flashRefusal.wait"),
  };

  return (
    <QueryView query={q} isEmpty={(d) => !d.event} empty={t("flash.notFound")}>
      {({ event: e }) => {
        if (!e) return null;
        const button = buyButton(e, now, refusal, busy);
        return (
          <article className="flash-page">
            <Picture className="main-image" src={e.imageUrl} alt={e.title} altIsData priority />
            <div className="buy-box">
              <h1 translate="no">{e.title}</h1>
              <div className="big-price">
                <Price cents={e.priceCents} was={e.originalPriceCents} />
              </div>
              <p>
                <SaleClock event={e} />
              </p>
              <p className="muted">
                {t("flash.stock", { remaining: e.remainingStock.toString(), total: e.totalStock.toString(), limit: e.perUserLimit })}
              </p>
              <div className="stock-bar" aria-hidden>
                <span style={{ width: `${e.totalStock > 0n ? Number((e.remainingStock * 100n) / e.totalStock) : 0}%` }} />
              </div>
              {!ticket && (
                <button type="button" className="flash-buy" data-label={button.label} disabled={button.disabled} onClick={() => buy(e)}>
                  {labels[button.label]}
                </button>
              )}
              {ticket && <PurchaseOutcome result={result} />}
              <FormProblem problem={problem} />
              <p>
                <Link to={`/product/${e.productId}`}>{t("flash.about")}</Link>
              </p>
            </div>
          </article>
        );
      }}
    </QueryView>
  );
}

function PurchaseOutcome({ result }: { result: GetPurchaseResultResponse | null }) {
  const { t } = useTranslation();
  if (!result || result.state === PurchaseState.QUEUED) {
    return (
      <div className="purchase-result" data-state="queued" role="status">
        <Loading label={t("flash.queued")} />
      </div>
    );
  }
  if (result.state === PurchaseState.FAILED) {
    return (
      <div className="purchase-result error" data-state="failed" data-code={result.failureCode} role="alert">
        {purchaseFailureText(result.failureCode)}
      </div>
    );
  }
  return (
    <div className="purchase-result ok" data-state="created" role="status">
      <p>{t("flash.created")}</p>
      <PayButton orderId={result.orderId} /> <Link to={`/orders/${result.orderId}`}>{t("flash.viewOrder")}</Link>
    </div>
  );
}
