DROP TABLE IF EXISTS forwarded_hints;

--bun:split

ALTER TABLE payments
  DROP COLUMN refund_failed_at,
  DROP COLUMN refund_failure_reason;
