import { useMutation } from "@connectrpc/connect-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { OrderService, OrderStatus, type Order } from "@gen/mall/order/v1/order_pb.js";
import { ReviewService } from "@gen/mall/review/v1/review_pb.js";
import { useFormProblem } from "../hooks/useFormProblem";
import { useInvalidate } from "../hooks/useInvalidate";
import { useBuyAgain } from "../hooks/useBuyAgain";
import { usePayOrder } from "../hooks/usePayOrder";
import type { Skipped } from "../lib/buyAgain";
import { useLang } from "../hooks/useLang";
import { dateTime, millis, money } from "../lib/format";
import { actionsOf, canBuyAgain, refundOf, statusName } from "../lib/orders";
import { Countdown, ErrorBox, FormProblem } from "./ui";

// StatusBadge names an order's status; a paid order with a refund asked
// for says where the refund stands too (it will not ship).
export function StatusBadge({ order }: { order: Order }) {
  const { t } = useTranslation();
  const refund = order.status === OrderStatus.PAID ? refundOf(order) : null;
  return (
    <span className={`status s-${order.status}`} data-status={OrderStatus[order.status]}>
      {t(`orderStatus.${statusName(order.status)}`)}
      {refund && ` · ${t(`refund.${refund.name}`)}`}
    </span>
  );
}

// RefundNote says where an order's refund stands (the after-sale tab, the
// order page): 退款中, 已退款 or 退款被拒, how much, since when, and what
// happens next.
export function RefundNote({ order }: { order: Order }) {
  const { t } = useTranslation();
  const lang = useLang();
  const refund = refundOf(order);
  if (!refund) return null;
  return (
    <div className={`refund-note r-${refund.name}`} data-refund={refund.name}>
      <p>
        <b className="refund-state">{t(`refund.${refund.name}`)}</b>
        <span> · {t("refund.amount", { amount: money(refund.cents, lang) })}</span>
        {refund.at && <span className="muted"> · {t(`refund.at.${refund.name}`, { time: dateTime(refund.at, lang) })}</span>}
      </p>
      <p className="muted">{t(`refund.next.${refund.name}`)}</p>
    </div>
  );
}

// PayButton opens the provider's pay page for an order; a failure to get
// there is shown beside it and the button is offered again.
export function PayButton({ orderId }: { orderId: string }) {
  const { t } = useTranslation();
  const { payOrder, paying } = usePayOrder();
  const { problem, submit } = useFormProblem();
  return (
    <>
      <button type="button" disabled={paying} onClick={() => void submit(() => payOrder(orderId))}>
        {paying ? t("orderActions.openingPayment") : t("orderActions.payNow")}
      </button>
      <FormProblem problem={problem} />
    </>
  );
}

// OrderActions are the buyer's buttons for an order in its current state.
export function OrderActions({ order }: { order: Order }) {
  const { t } = useTranslation();
  const invalidate = useInvalidate();
  const refresh = { onSuccess: () => invalidate(OrderService) };
  const cancel = useMutation(OrderService.method.cancelOrder, refresh);
  const confirm = useMutation(OrderService.method.confirmReceipt, refresh);
  const a = actionsOf(order);
  return (
    <div className="order-actions">
      {a.pay && order.paymentDeadline && <Countdown until={millis(order.paymentDeadline)} text={(time) => t("orderActions.payWithin", { time })} />}
      {a.pay && <PayButton orderId={order.orderId} />}
      {a.cancel && (
        <button
          type="button"
          className="secondary"
          disabled={cancel.isPending}
          onClick={() => {
            const paid = order.status === OrderStatus.PAID;
            // The reason goes to the order's history, which is kept in English.
            if (window.confirm(paid ? t("orderActions.confirmCancelPaid") : t("orderActions.confirmCancel")))
              cancel.mutate({ orderId: order.orderId, reason: "cancelled by the buyer" });
          }}
        >
          {order.status === OrderStatus.PAID ? t("orderActions.cancelAndRefund") : t("orderActions.cancelOrder")}
        </button>
      )}
      {a.confirm && (
        <button type="button" disabled={confirm.isPending} onClick={() => confirm.mutate({ orderId: order.orderId })}>
          {t("orderActions.confirmReceipt")}
        </button>
      )}
      {canBuyAgain(order) && <BuyAgainButton order={order} />}
      <ErrorBox error={cancel.error ?? confirm.error} />
    </div>
  );
}

// BuyAgainButton puts the order's lines into the cart again and opens it;
// lines that can no longer be bought are left out and named.
function BuyAgainButton({ order }: { order: Order }) {
  const { t } = useTranslation();
  const { buyAgain, skipped } = useBuyAgain();
  const { problem, busy, submit } = useFormProblem();
  return (
    <>
      <button type="button" className="secondary" disabled={busy} onClick={() => void submit(() => buyAgain(order))}>
        {busy ? t("buyAgain.adding") : t("buyAgain.button")}
      </button>
      <FormProblem problem={problem} />
      {skipped && (
        <div className="warn-box" role="alert">
          {t("buyAgain.noneAdded")}
          <SkippedLines skipped={skipped} />
        </div>
      )}
    </>
  );
}

// SkippedLines names the lines "buy again" left out, and why.
export function SkippedLines({ skipped }: { skipped: Skipped[] }) {
  const { t } = useTranslation();
  return (
    <ul className="skipped">
      {skipped.map((s) => (
        <li key={s.productId}>
          {s.title} <span className="muted">{t(`buyAgain.${s.why}`)}</span>
        </li>
      ))}
    </ul>
  );
}

// ReviewForm writes the review of one line of a finished order.
export function ReviewForm({ orderId, productId, onDone }: { orderId: string; productId: string; onDone: () => void }) {
  const { t } = useTranslation();
  const [rating, setRating] = useState(5);
  const [text, setText] = useState("");
  const invalidate = useInvalidate();
  const create = useMutation(ReviewService.method.createReview, {
    onSuccess: async () => {
      await invalidate(ReviewService);
      onDone();
    },
  });
  const { problem, busy, submit } = useFormProblem();
  return (
    <form
      className="review-form"
      onSubmit={(e) => {
        e.preventDefault();
        void submit(() => create.mutateAsync({ orderId, productId, rating, text }));
      }}
    >
      <fieldset className="rating">
        <legend>{t("review.rating")}</legend>
        {[1, 2, 3, 4, 5].map((n) => (
          <button key={n} type="button" aria-label={t("review.stars", { n })} aria-pressed={n <= rating} onClick={() => setRating(n)}>
            {n <= rating ? "★" : "☆"}
          </button>
        ))}
      </fieldset>
      <label className="field">
        <span>{t("review.text")}</span>
        <textarea name="text" rows={3} maxLength={2000} value={text} onChange={(e) => setText(e.target.value)} />
        {problem?.fields.text && <small className="field-error">{problem.fields.text}</small>}
      </label>
      {problem && !problem.fields.text && <div className="error">{problem.message}</div>}
      <button type="submit" disabled={busy}>
        {t("review.submit")}
      </button>
    </form>
  );
}
