ALTER TABLE orders DROP COLUMN refund_requested_at;
