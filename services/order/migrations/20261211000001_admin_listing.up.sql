-- The operator console lists every buyer's orders newest first (by seq),
-- filtered by status, kind or creation time: each filter reads a range of
-- its own index instead of every order.
ALTER TABLE orders
  ADD KEY idx_orders_status_seq (status, seq),
  ADD KEY idx_orders_kind_seq (kind, seq),
  ADD KEY idx_orders_created (created_at);
