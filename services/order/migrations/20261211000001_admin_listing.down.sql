ALTER TABLE orders
  DROP KEY idx_orders_created,
  DROP KEY idx_orders_kind_seq,
  DROP KEY idx_orders_status_seq;
