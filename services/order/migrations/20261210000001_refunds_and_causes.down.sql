ALTER TABLE order_status_history DROP COLUMN cause;

--bun:split

ALTER TABLE orders
  DROP KEY idx_orders_user_status_refund,
  DROP COLUMN refund_refused_at,
  DROP COLUMN refunded_at,
  DROP COLUMN refund_state;
