-- Where an order's refund stands (0 none, 1 requested, 2 refunded, 3
-- refused by the provider: the numbers of orderv1.RefundState) and when it
-- was done or refused, for the buyer's after-sale tab. CountOrders groups a
-- buyer's orders by status and refund state: the index answers it alone.
ALTER TABLE orders
  ADD COLUMN refund_state      TINYINT     NOT NULL DEFAULT 0 AFTER refund_requested_at,
  ADD COLUMN refunded_at       DATETIME(6) NULL AFTER refund_state,
  ADD COLUMN refund_refused_at DATETIME(6) NULL AFTER refunded_at,
  ADD KEY idx_orders_user_status_refund (user_id, status, refund_state);

--bun:split

-- Orders cancelled for a refund before this migration: requested while
-- PAID; REFUNDED ones refunded when their history says.
UPDATE orders SET refund_state = 1 WHERE status = 2 AND refund_requested_at IS NOT NULL;

--bun:split

UPDATE orders o
JOIN (SELECT order_id, MAX(occurred_at) AS at FROM order_status_history WHERE to_status = 7 GROUP BY order_id) h ON h.order_id = o.id
SET o.refund_state = 2, o.refunded_at = h.at, o.refund_requested_at = COALESCE(o.refund_requested_at, h.at)
WHERE o.status = 7;

--bun:split

-- Why a status changed, machine-readable (the numbers of
-- orderv1.StatusChangeCause), beside the English reason.
ALTER TABLE order_status_history ADD COLUMN cause TINYINT NOT NULL DEFAULT 0 AFTER reason;

--bun:split

-- Entries written before: their cause from the change and the texts the
-- sagas and the service wrote.
UPDATE order_status_history SET cause = CASE
  WHEN from_status = 0 THEN 1
  WHEN to_status = 2 THEN 2
  WHEN to_status = 3 THEN 7
  WHEN to_status = 4 THEN 8
  WHEN to_status = 5 AND reason = 'auto-completed' THEN 10
  WHEN to_status = 5 AND reason LIKE 'receipt confirmed%' THEN 9
  WHEN to_status = 6 AND reason = 'payment deadline passed' THEN 4
  WHEN to_status = 6 AND reason = 'checkout failed' THEN 5
  WHEN to_status = 6 AND reason = 'checkout cancelled by operations' THEN 6
  WHEN to_status = 6 AND reason LIKE 'cancelled by%' THEN 3
  WHEN to_status = 7 THEN 11
  ELSE 0
END;
