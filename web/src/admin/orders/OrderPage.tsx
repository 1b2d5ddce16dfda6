import { useMutation, useQuery } from "@connectrpc/connect-query";
import { useEffect, useRef, useState, type SubmitEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router-dom";
import {
  OrderKind,
  OrderService,
  OrderStatus,
  RefundState,
  SagaKind,
  StatusChangeCause,
  type AdminGetOrderResponse,
  type Order,
} from "@gen/mall/order/v1/order_pb.js";
import { PayService, PaymentStatus, type Payment } from "@gen/mall/pay/v1/pay_pb.js";
import { QueryView } from "../../components/QueryView";
import { Field, FormProblem, When } from "../../components/ui";
import { useFormProblem } from "../../hooks/useFormProblem";
import { useInvalidate } from "../../hooks/useInvalidate";
import { useLang } from "../../hooks/useLang";
import { money } from "../../lib/format";
import { useAdminTitle } from "../useAdminTitle";
import { actionsOf, workflowLink } from "./filters";
import { OrderStatusBadge } from "./OrdersPage";

// While a saga is changing the order (a cancel or a refund under way), the
// page asks again this often.
const followEvery = 2000;

// OrderPage is one order for an operator: its lines, address, history,
// payment attempts, refund and workflows, and what can be done with it.
export function OrderPage() {
  const { t } = useTranslation("admin");
  const { orderId = "" } = useParams();
  useAdminTitle(t("orders.detail.title", { id: orderId }));
  const [following, setFollowing] = useState(false);
  const q = useQuery(
    OrderService.method.adminGetOrder,
    { orderId },
    {
      refetchInterval: (query) => {
        const o = query.state.data?.order;
        return o && (following || o.refundState === RefundState.REQUESTED) ? followEvery : false;
      },
    },
  );
  return (
    <section className="admin-order">
      <p>
        <Link to="/admin/orders" className="button secondary">
          {t("orders.detail.back")}
        </Link>
      </p>
      <h1>
        {t("orders.detail.heading")}{" "}
        <span className="mono" translate="no">
          {orderId}
        </span>
      </h1>
      <QueryView query={q} isEmpty={(d) => !d.order} empty={t("orders.detail.notFound")}>
        {(d) => d.order && <OrderDetails detail={d} order={d.order} onSagaStarted={() => setFollowing(true)} />}
      </QueryView>
    </section>
  );
}

function OrderDetails({ detail, order, onSagaStarted }: { detail: AdminGetOrderResponse; order: Order; onSagaStarted: () => void }) {
  const { t } = useTranslation("admin");
  const lang = useLang();
  const payments = useQuery(PayService.method.adminListPayments, { orderId: order.orderId });
  // A saga that changes the order (a refund) changes its payment too: read
  // the payments again whenever the followed order moves on.
  const { refetch } = payments;
  const seen = useRef(`${order.status}/${order.refundState}`);
  useEffect(() => {
    const now = `${order.status}/${order.refundState}`;
    if (now === seen.current) return;
    seen.current = now;
    void refetch();
  }, [order.status, order.refundState, refetch]);
  const attempts = payments.data?.payments ?? [];
  const a = order.shippingAddress;
  return (
    <div className="admin-order-grid">
      <div className="admin-panel">
        <h2>{t("orders.detail.facts")}</h2>
        <dl className="admin-facts">
          <dt>{t("orders.status")}</dt>
          <dd>
            <OrderStatusBadge order={order} />
          </dd>
          <dt>{t("orders.kind")}</dt>
          <dd>{t(`orders.kindName.${order.kind === OrderKind.FLASH_SALE ? "FLASH_SALE" : order.kind === OrderKind.REGULAR ? "REGULAR" : "UNSPECIFIED"}`)}</dd>
          <dt>{t("orders.detail.userId")}</dt>
          <dd>
            <Link to={`/admin/orders?user=${encodeURIComponent(order.userId)}`} className="mono" translate="no">
              {order.userId}
            </Link>
          </dd>
          <dt>{t("orders.detail.createdAt")}</dt>
          <dd><When at={order.createdAt} /></dd>
          <dt>{t("orders.total")}</dt>
          <dd>{money(order.totalCents, lang)}</dd>
          {order.status === OrderStatus.PENDING_PAYMENT && order.paymentDeadline && (
            <>
              <dt>{t("orders.detail.paymentDeadline")}</dt>
              <dd><When at={order.paymentDeadline} /></dd>
            </>
          )}
          {order.seckillEventId && (
            <>
              <dt>{t("orders.detail.flashSale")}</dt>
              <dd className="mono" translate="no">
                {order.seckillEventId}
              </dd>
            </>
          )}
          <dt>{t("orders.detail.shipping")}</dt>
          <dd data-shipping>
            {order.trackingNumber ? (
              <span translate="no">
                {order.carrier} · <span className="mono">{order.trackingNumber}</span>
              </span>
            ) : (
              t("orders.detail.notShipped")
            )}
          </dd>
        </dl>
      </div>

      <Actions order={order} onSagaStarted={onSagaStarted} />

      <div className="admin-panel">
        <h2>{t("orders.detail.lines")}</h2>
        <table className="admin-table">
          <thead>
            <tr>
              <th>{t("orders.detail.product")}</th>
              <th className="num">{t("orders.detail.unitPrice")}</th>
              <th className="num">{t("orders.detail.quantity")}</th>
              <th className="num">{t("orders.detail.lineTotal")}</th>
            </tr>
          </thead>
          <tbody>
            {order.lines.map((l) => (
              <tr key={l.productId}>
                <td data-label={t("orders.detail.product")} translate="no">
                  {l.title} <span className="muted mono">{l.productId}</span>
                </td>
                <td data-label={t("orders.detail.unitPrice")} className="num">
                  {money(l.unitPriceCents, lang)}
                </td>
                <td data-label={t("orders.detail.quantity")} className="num">
                  {l.quantity}
                </td>
                <td data-label={t("orders.detail.lineTotal")} className="num">
                  {money(l.lineTotalCents, lang)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <div className="admin-panel">
        <h2>{t("orders.detail.address")}</h2>
        {a ? (
          <address translate="no">
            {a.recipientName} · {a.phone}
            <br />
            {[a.province, a.city, a.district, a.detail].filter(Boolean).join(" ")} {a.postalCode}
          </address>
        ) : (
          <p className="muted">{t("orders.detail.noAddress")}</p>
        )}
      </div>

      <div className="admin-panel">
        <h2>{t("orders.detail.history")}</h2>
        <table className="admin-table admin-history">
          <thead>
            <tr>
              <th>{t("orders.detail.when")}</th>
              <th>{t("orders.detail.change")}</th>
              <th>{t("orders.detail.cause")}</th>
              <th>{t("orders.detail.note")}</th>
            </tr>
          </thead>
          <tbody>
            {order.history.map((h, i) => (
              <tr key={i} data-cause={StatusChangeCause[h.cause]}>
                <td data-label={t("orders.detail.when")}><When at={h.occurredAt} /></td>
                <td data-label={t("orders.detail.change")}>
                  {h.fromStatus !== OrderStatus.UNSPECIFIED && <>{statusText(h.fromStatus, t)} → </>}
                  {statusText(h.toStatus, t)}
                </td>
                <td data-label={t("orders.detail.cause")}>{causeText(h.cause, t)}</td>
                {/* The services' note, in English as recorded (an operator's reason, a carrier). */}
                <td data-label={t("orders.detail.note")} className="muted" translate="no">
                  {h.reason}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <div className="admin-panel" data-panel="payment">
        <h2>{t("orders.detail.payment")}</h2>
        <QueryView query={payments} isEmpty={(d) => d.payments.length === 0} empty={t("orders.detail.noPayment")}>
          {(d) => (
            <div className="admin-payments">
              {d.payments.map((p) => (
                <PaymentFacts key={p.paymentId} payment={p} />
              ))}
            </div>
          )}
        </QueryView>
      </div>

      <div className="admin-panel" data-panel="refund">
        <h2>{t("orders.detail.refund")}</h2>
        {order.refundState === RefundState.UNSPECIFIED ? (
          <p className="muted">{t("orders.detail.noRefund")}</p>
        ) : (
          <dl className="admin-facts">
            <dt>{t("orders.detail.refundState")}</dt>
            <dd data-refund-state={RefundState[order.refundState]}>{refundText(order.refundState, t)}</dd>
            <dt>{t("orders.detail.refundAmount")}</dt>
            <dd>{money(order.refundCents, lang)}</dd>
            <dt>{t("orders.detail.requestedAt")}</dt>
            <dd><When at={order.refundRequestedAt} /></dd>
            {order.refundedAt && (
              <>
                <dt>{t("orders.detail.refundedAt")}</dt>
                <dd><When at={order.refundedAt} /></dd>
              </>
            )}
            {order.refundRefusedAt && (
              <>
                <dt>{t("orders.detail.refusedAt")}</dt>
                <dd><When at={order.refundRefusedAt} /></dd>
              </>
            )}
          </dl>
        )}
      </div>

      <div className="admin-panel" data-panel="workflows">
        <h2>{t("orders.detail.workflows")}</h2>
        {!detail.temporalUiUrl && <p className="muted">{t("orders.detail.noTemporalUI")}</p>}
        <table className="admin-table admin-workflows">
          <tbody>
            {detail.sagas
              // A payment saga exists once someone tried to pay.
              .filter((s) => s.kind !== SagaKind.PAYMENT || attempts.length > 0)
              .map((s) => {
                const href = workflowLink(detail.temporalUiUrl, detail.temporalNamespace, s.workflowId);
                return (
                  <tr key={s.workflowId} data-saga={SagaKind[s.kind]}>
                    <td data-label={t("orders.detail.workflows")}>{sagaText(s.kind, t)}</td>
                    <td data-label={t("orders.detail.workflows")}>
                      {href ? (
                        <a href={href} target="_blank" rel="noreferrer" className="mono" translate="no">
                          {s.workflowId}
                        </a>
                      ) : (
                        <span className="mono" translate="no">
                          {s.workflowId}
                        </span>
                      )}
                    </td>
                  </tr>
                );
              })}
          </tbody>
        </table>
      </div>
    </div>
  );
}

type AdminT = ReturnType<typeof useTranslation<"admin">>["t"];

const statusKeys = ["PENDING_PAYMENT", "PAID", "SHIPPED", "DELIVERED", "COMPLETED", "CANCELLED", "REFUNDED"] as const;
function statusText(s: OrderStatus, t: AdminT): string {
  return t(`orders.statusName.${statusKeys.find((k) => OrderStatus[k] === s) ?? "UNSPECIFIED"}`);
}

const causeKeys = [
  "ORDER_CREATED",
  "PAID",
  "CANCELLED_BY_BUYER",
  "PAYMENT_EXPIRED",
  "CHECKOUT_FAILED",
  "CANCELLED_BY_OPERATIONS",
  "SHIPPED",
  "DELIVERED",
  "RECEIPT_CONFIRMED",
  "AUTO_COMPLETED",
  "REFUNDED",
] as const;
function causeText(c: StatusChangeCause, t: AdminT): string {
  return t(`orders.cause.${causeKeys.find((k) => StatusChangeCause[k] === c) ?? "UNSPECIFIED"}`);
}

const refundKeys = ["REQUESTED", "REFUNDED", "REFUSED"] as const;
function refundText(r: RefundState, t: AdminT): string {
  return t(`orders.refundName.${refundKeys.find((k) => RefundState[k] === r) ?? "UNSPECIFIED"}`);
}

const sagaKeys = ["CHECKOUT", "PAYMENT", "CANCELLATION"] as const;
function sagaText(s: SagaKind, t: AdminT): string {
  return t(`orders.detail.saga.${sagaKeys.find((k) => SagaKind[k] === s) ?? "UNSPECIFIED"}`);
}

const paymentKeys = ["PENDING", "SUCCEEDED", "DECLINED", "EXPIRED", "REFUNDED", "REFUND_FAILED"] as const;

function PaymentFacts({ payment: p }: { payment: Payment }) {
  const { t } = useTranslation("admin");
  const lang = useLang();
  const status = paymentKeys.find((k) => PaymentStatus[k] === p.status) ?? "UNSPECIFIED";
  return (
    <dl className="admin-facts" data-payment={p.paymentId}>
      <dt>{t("orders.detail.attempt")}</dt>
      <dd className="mono" translate="no">
        {p.paymentId}
      </dd>
      <dt>{t("orders.detail.paymentStatus")}</dt>
      <dd data-payment-status={status}>{t(`orders.paymentStatus.${status}`)}</dd>
      <dt>{t("orders.detail.amount")}</dt>
      <dd>{money(p.amountCents, lang)}</dd>
      {p.providerChargeId && (
        <>
          <dt>{t("orders.detail.charge")}</dt>
          <dd className="mono" translate="no">
            {p.providerChargeId}
          </dd>
        </>
      )}
      {p.paidAt && (
        <>
          <dt>{t("orders.detail.paidAt")}</dt>
          <dd><When at={p.paidAt} /></dd>
        </>
      )}
      {p.declineReason && (
        <>
          <dt>{t("orders.detail.declined")}</dt>
          <dd translate="no">{p.declineReason}</dd>
        </>
      )}
      {p.refundFailureReason && (
        <>
          <dt>{t("orders.detail.refundFailed")}</dt>
          <dd translate="no">{p.refundFailureReason}</dd>
        </>
      )}
    </dl>
  );
}

// Actions are the operator's buttons for the order in its state: ship with
// a carrier and tracking number, mark delivered, cancel or refund with a
// reason. Refusals are worded from their reasons.
function Actions({ order, onSagaStarted }: { order: Order; onSagaStarted: () => void }) {
  const { t } = useTranslation("admin");
  const a = actionsOf(order);
  const invalidate = useInvalidate();
  const refresh = async () => {
    await Promise.all([invalidate(OrderService), invalidate(PayService)]);
  };
  if (!a.ship && !a.deliver && !a.cancel && !a.refund) {
    return (
      <div className="admin-panel" data-panel="actions">
        <h2>{t("orders.actions.title")}</h2>
        {order.refundState === RefundState.REFUSED ? (
          <>
            <p>{t("orders.actions.refundRefused")}</p>
            <p>
              <Link to="/admin/attention" className="button">
                {t("orders.actions.toAttention")}
              </Link>
            </p>
          </>
        ) : (
          <p className="muted">{t("orders.actions.none")}</p>
        )}
      </div>
    );
  }
  return (
    <div className="admin-panel" data-panel="actions">
      <h2>{t("orders.actions.title")}</h2>
      {a.ship && <ShipForm orderId={order.orderId} onDone={refresh} />}
      {a.deliver && <DeliverButton orderId={order.orderId} onDone={refresh} />}
      {(a.cancel || a.refund) && (
        <CancelForm
          orderId={order.orderId}
          refund={a.refund}
          onDone={async () => {
            onSagaStarted();
            await refresh();
          }}
        />
      )}
    </div>
  );
}

function ShipForm({ orderId, onDone }: { orderId: string; onDone: () => Promise<void> }) {
  const { t } = useTranslation("admin");
  const ship = useMutation(OrderService.method.shipOrder);
  const { problem, busy, submit } = useFormProblem();
  const [carrier, setCarrier] = useState("");
  const [tracking, setTracking] = useState("");
  const send = (e: SubmitEvent) => {
    e.preventDefault();
    void submit(async () => {
      await ship.mutateAsync({ orderId, carrier: carrier.trim(), trackingNumber: tracking.trim() });
      await onDone();
    });
  };
  return (
    <form className="admin-form" aria-label={t("orders.actions.ship")} onSubmit={send}>
      <Field
        label={t("orders.detail.carrier")}
        path="carrier"
        problem={problem}
        value={carrier}
        required
        maxLength={64}
        onChange={(e) => setCarrier(e.currentTarget.value)}
      />
      <Field
        label={t("orders.detail.tracking")}
        path="tracking_number"
        problem={problem}
        value={tracking}
        required
        maxLength={64}
        onChange={(e) => setTracking(e.currentTarget.value)}
      />
      <FormProblem problem={problem} />
      <p>
        <button type="submit" disabled={busy}>
          {busy ? t("orders.actions.shipping") : t("orders.actions.ship")}
        </button>
      </p>
    </form>
  );
}

function DeliverButton({ orderId, onDone }: { orderId: string; onDone: () => Promise<void> }) {
  const { t } = useTranslation("admin");
  const deliver = useMutation(OrderService.method.markDelivered);
  const { problem, busy, submit } = useFormProblem();
  return (
    <div>
      <button
        type="button"
        disabled={busy}
        onClick={() =>
          void submit(async () => {
            await deliver.mutateAsync({ orderId });
            await onDone();
          })
        }
      >
        {busy ? t("orders.actions.delivering") : t("orders.actions.deliver")}
      </button>
      <FormProblem problem={problem} />
    </div>
  );
}

function CancelForm({ orderId, refund, onDone }: { orderId: string; refund: boolean; onDone: () => Promise<void> }) {
  const { t } = useTranslation("admin");
  const cancel = useMutation(OrderService.method.adminCancelOrder);
  const { problem, busy, submit } = useFormProblem();
  const [reason, setReason] = useState("");
  const [sent, setSent] = useState(false);
  const send = (e: SubmitEvent) => {
    e.preventDefault();
    if (!window.confirm(refund ? t("orders.actions.confirmRefund", { id: orderId }) : t("orders.actions.confirmCancel", { id: orderId }))) return;
    void submit(async () => {
      await cancel.mutateAsync({ orderId, reason: reason.trim() });
      setSent(true);
      await onDone();
    });
  };
  return (
    <form className="admin-form" aria-label={refund ? t("orders.actions.refundTitle") : t("orders.actions.cancelTitle")} onSubmit={send}>
      <h3>{refund ? t("orders.actions.refundTitle") : t("orders.actions.cancelTitle")}</h3>
      <label>
        {t("orders.actions.reason")}
        <textarea
          name="reason"
          required
          maxLength={150}
          value={reason}
          aria-invalid={problem?.fields.reason ? true : undefined}
          onChange={(e) => setReason(e.currentTarget.value)}
        />
        {problem?.fields.reason && <small className="field-error">{problem.fields.reason}</small>}
      </label>
      <FormProblem problem={problem} />
      {sent && (
        <p className="muted" role="status">
          {t("orders.actions.cancelRequested")}
        </p>
      )}
      <p>
        <button type="submit" disabled={busy}>
          {busy ? t("orders.actions.cancelling") : refund ? t("orders.actions.refund") : t("orders.actions.cancel")}
        </button>
      </p>
    </form>
  );
}
