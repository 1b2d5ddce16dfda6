-- A refund the provider refused leaves the payment REFUND_FAILED (status 6)
-- with the provider's reason and the time, for operators to act on.
ALTER TABLE payments
  ADD COLUMN refund_failure_reason VARCHAR(200) NOT NULL DEFAULT '' AFTER refunded_at,
  ADD COLUMN refund_failed_at      DATETIME(6)  NULL AFTER refund_failure_reason;

--bun:split

-- A webhook is only a hint for the payment workflow to ask the provider:
-- each final status of a charge is forwarded once, however many events
-- (redelivered, or forged with a leaked secret) claim it. Ids compare
-- exactly (binary collation): providers' ids are case-sensitive.
CREATE TABLE forwarded_hints (
  charge_id    VARCHAR(128) NOT NULL,
  status       VARCHAR(32)  NOT NULL,
  event_id     VARCHAR(128) NOT NULL,
  forwarded_at DATETIME(6)  NOT NULL,
  PRIMARY KEY (charge_id, status)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
