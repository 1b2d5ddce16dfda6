import { useMutation } from "@connectrpc/connect-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { OrderService, OrderStatus, type CountOrdersResponse, type Order } from "@gen/mall/order/v1/order_pb.js";
import { ReviewService } from "@gen/mall/review/v1/review_pb.js";
import { useFormProblem } from "../hooks/useFormProblem";
import { useInvalidate } from "../hooks/useInvalidate";
import { useBuyAgain } from "../hooks/useBuyAgain";
import { usePayOrder } from "../hooks/usePayOrder";
import type { Skipped } from "../lib/buyAgain";
import { useLang } from "../hooks/useLang";
import { dateTime, millis, money } from "../lib/format";
import { problemOf } from "../lib/errors";
import { actionsOf, badgeText, canBuyAgain, countOf, refundOf, statusName, type OrderTab } from "../lib/orders";
import { maxPictureBytes, maxPictures, pictureTypes, refusePicture, refusePictureSize, roomFor, sizeText } from "../lib/reviewPictures";
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
          <span translate="no">{s.title}</span> <span className="muted">{t(`buyAgain.${s.why}`)}</span>
        </li>
      ))}
    </ul>
  );
}

// A picture the shopper uploaded for the review being written.
interface Uploaded {
  imageId: string;
  url: string;
}

// ReviewForm writes the review of one line of a finished order, with up to
// maxPictures pictures: each file is checked here first (type, size), then
// uploaded at once and shown from the mall (the page may show only its own
// pictures), and the review names them when it is sent.
export function ReviewForm({ orderId, productId, onDone }: { orderId: string; productId: string; onDone: () => void }) {
  const { t } = useTranslation();
  const [rating, setRating] = useState(5);
  const [text, setText] = useState("");
  const [pictures, setPictures] = useState<Uploaded[]>([]);
  // Why files were not added, worded on each render (a switch of
  // language words them again).
  const [refused, setRefused] = useState<{ file: string; why: () => string }[]>([]);
  const [uploading, setUploading] = useState(0);
  const invalidate = useInvalidate();
  const upload = useMutation(ReviewService.method.uploadReviewImage);
  const create = useMutation(ReviewService.method.createReview, {
    onSuccess: async () => {
      await invalidate(ReviewService);
      onDone();
    },
  });
  const { problem, busy, submit } = useFormProblem();

  const add = async (files: File[]) => {
    const room = roomFor(pictures.length, files.length);
    const why: { file: string; why: () => string }[] = files
      .slice(room)
      .map((f) => ({ file: f.name, why: () => t("review.pictureLimit", { max: maxPictures }) }));
    setRefused(why);
    setUploading((n) => n + room);
    for (const f of files.slice(0, room)) {
      try {
        const early = refusePictureSize(f.size);
        const bytes = early ? null : new Uint8Array(await f.arrayBuffer());
        const refusal = early ?? (bytes && refusePicture(bytes));
        if (refusal || !bytes) {
          const size = sizeText(maxPictureBytes);
          why.push({ file: f.name, why: () => t(`review.pictureRefused.${refusal ?? "empty"}`, { size }) });
          continue;
        }
        const { image } = await upload.mutateAsync({ data: bytes });
        // The same bytes again answer the same picture: it is shown once.
        if (image) {
          const added = { imageId: image.imageId, url: image.url };
          setPictures((ps) => (ps.some((p) => p.imageId === added.imageId) ? ps : [...ps, added]));
        }
      } catch (err) {
        why.push({ file: f.name, why: () => problemOf(err).message });
      } finally {
        setUploading((n) => n - 1);
        setRefused([...why]);
      }
    }
  };

  const full = pictures.length + uploading >= maxPictures;
  return (
    <form
      className="review-form"
      onSubmit={(e) => {
        e.preventDefault();
        void submit(() => create.mutateAsync({ orderId, productId, rating, text, imageIds: pictures.map((p) => p.imageId) }));
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
      <fieldset className="review-pictures">
        <legend>
          {t("review.pictures")} <span className="muted">{t("review.pictureCount", { n: pictures.length, max: maxPictures })}</span>
        </legend>
        <ul>
          {pictures.map((p, i) => (
            <li key={p.imageId} data-image={p.imageId}>
              <img src={p.url} alt={t("review.picture", { n: i + 1 })} width={80} height={80} />
              <button
                type="button"
                className="remove-picture"
                aria-label={t("review.removePicture", { n: i + 1 })}
                onClick={() => setPictures((ps) => ps.filter((x) => x.imageId !== p.imageId))}
              >
                <span aria-hidden>×</span>
              </button>
            </li>
          ))}
          {uploading > 0 && (
            <li className="uploading" role="status">
              <span className="spinner" aria-hidden /> <span className="muted">{t("review.uploading")}</span>
            </li>
          )}
          {!full && (
            <li>
              <label className="add-picture">
                <input
                  type="file"
                  accept={pictureTypes}
                  multiple
                  onChange={(e) => {
                    const files = [...(e.target.files ?? [])];
                    // The same file may be chosen again after a refusal.
                    e.target.value = "";
                    void add(files);
                  }}
                />
                <span aria-hidden>+</span>
                <span>{t("review.addPictures")}</span>
              </label>
            </li>
          )}
        </ul>
        <small className="muted">{t("review.pictureRules", { max: maxPictures, size: sizeText(maxPictureBytes) })}</small>
        {refused.length > 0 && (
          <ul className="picture-refusals" role="alert">
            {refused.map((r, i) => (
              <li key={i}>{t("review.fileRefused", { file: r.file, why: r.why() })}</li>
            ))}
          </ul>
        )}
      </fieldset>
      {problem && !problem.fields.text && <div className="error">{problem.message}</div>}
      <button type="submit" disabled={busy || uploading > 0}>
        {t("review.submit")}
      </button>
    </form>
  );
}

// TabCount is the number of the shopper's orders a tab lists, as a badge
// (nothing for none).
export function TabCount({ tab, counts }: { tab: OrderTab; counts: CountOrdersResponse | undefined }) {
  const n = badgeText(countOf(tab, counts));
  if (!n) return null;
  return (
    <span className="count" data-count={n}>
      {n}
    </span>
  );
}
