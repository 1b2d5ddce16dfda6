import { useMutation } from "@connectrpc/connect-query";
import { useState } from "react";
import { Link } from "react-router-dom";
import { OrderService, OrderStatus, type Order } from "@gen/mall/order/v1/order_pb.js";
import { ReviewService } from "@gen/mall/review/v1/review_pb.js";
import { Countdown, ErrorBox, useInvalidate } from "../components/ui";
import { problemOf, type Problem } from "../lib/errors";
import { millis } from "../lib/format";
import { actionsOf, statusLabel } from "../lib/orders";
import { payOrder } from "./pay";

export function StatusBadge({ order }: { order: Order }) {
  return (
    <span className={`status s-${order.status}`} data-status={OrderStatus[order.status]}>
      {statusLabel(order.status)}
      {order.status === OrderStatus.PAID && order.refundRequestedAt ? " · refund in progress" : ""}
    </span>
  );
}

// PayButton opens the provider's pay page for an order; a failure to get
// there is shown beside it and the button is offered again.
export function PayButton({ orderId }: { orderId: string }) {
  const [paying, setPaying] = useState(false);
  const [problem, setProblem] = useState<unknown>(null);
  return (
    <>
      <button
        type="button"
        disabled={paying}
        onClick={() => {
          setPaying(true);
          setProblem(null);
          payOrder(orderId).catch((err: unknown) => {
            setProblem(err);
            setPaying(false);
          });
        }}
      >
        {paying ? "Opening payment…" : "Pay now"}
      </button>
      <ErrorBox error={problem} />
    </>
  );
}

// OrderActions are the buyer's buttons for an order in its current state.
export function OrderActions({ order }: { order: Order }) {
  const invalidate = useInvalidate();
  const refresh = { onSuccess: () => invalidate(OrderService) };
  const cancel = useMutation(OrderService.method.cancelOrder, refresh);
  const confirm = useMutation(OrderService.method.confirmReceipt, refresh);
  const a = actionsOf(order);
  return (
    <div className="order-actions">
      {a.pay && order.paymentDeadline && <Countdown until={millis(order.paymentDeadline)} prefix="Pay within " />}
      {a.pay && <PayButton orderId={order.orderId} />}
      {a.cancel && (
        <button
          type="button"
          className="secondary"
          disabled={cancel.isPending}
          onClick={() => {
            if (window.confirm(order.status === OrderStatus.PAID ? "Cancel this order and refund it?" : "Cancel this order?"))
              cancel.mutate({ orderId: order.orderId, reason: "cancelled by the buyer" });
          }}
        >
          {order.status === OrderStatus.PAID ? "Cancel and refund" : "Cancel order"}
        </button>
      )}
      {a.confirm && (
        <button type="button" disabled={confirm.isPending} onClick={() => confirm.mutate({ orderId: order.orderId })}>
          Confirm receipt
        </button>
      )}
      <ErrorBox error={cancel.error ?? confirm.error} />
    </div>
  );
}

// ReviewForm writes the review of one line of a finished order.
export function ReviewForm({ orderId, productId, onDone }: { orderId: string; productId: string; onDone: () => void }) {
  const [rating, setRating] = useState(5);
  const [text, setText] = useState("");
  const [problem, setProblem] = useState<Problem | null>(null);
  const invalidate = useInvalidate();
  const create = useMutation(ReviewService.method.createReview, {
    onSuccess: async () => {
      await invalidate(ReviewService);
      onDone();
    },
    onError: (err) => setProblem(problemOf(err)),
  });
  return (
    <form
      className="review-form"
      onSubmit={(e) => {
        e.preventDefault();
        setProblem(null);
        create.mutate({ orderId, productId, rating, text });
      }}
    >
      <fieldset className="rating">
        <legend>Rating</legend>
        {[1, 2, 3, 4, 5].map((n) => (
          <button key={n} type="button" aria-label={`${n} stars`} aria-pressed={n <= rating} onClick={() => setRating(n)}>
            {n <= rating ? "★" : "☆"}
          </button>
        ))}
      </fieldset>
      <label className="field">
        <span>Your review</span>
        <textarea name="text" rows={3} maxLength={2000} value={text} onChange={(e) => setText(e.target.value)} />
        {problem?.fields["text"] && <small className="field-error">{problem.fields["text"]}</small>}
      </label>
      {problem && !problem.fields["text"] && <div className="error">{problem.message}</div>}
      <button type="submit" disabled={create.isPending}>
        Submit review
      </button>
    </form>
  );
}

export function OrderLink({ order }: { order: Order }) {
  return <Link to={`/orders/${order.orderId}`}>Order {order.orderId}</Link>;
}
