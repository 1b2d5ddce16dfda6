ALTER TABLE orders DROP KEY idx_orders_refund_state_seq;
