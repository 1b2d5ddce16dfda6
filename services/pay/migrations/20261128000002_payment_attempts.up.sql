-- The first payments table (one row per order) never held data: the pay
-- service answered Unimplemented until this version. Payments are attempts:
-- an order may have a declined attempt and then a successful one, so the
-- row is keyed by the attempt's payment id and the order is only indexed.
DROP TABLE IF EXISTS payments;

--bun:split

CREATE TABLE payments (
  id                 VARCHAR(64)   NOT NULL PRIMARY KEY,
  order_id           VARCHAR(64)   NOT NULL,
  user_id            VARCHAR(64)   NOT NULL,
  amount_cents       BIGINT        NOT NULL,
  status             TINYINT       NOT NULL,
  provider_charge_id VARCHAR(128)  NULL,
  pay_url            VARCHAR(1024) NOT NULL DEFAULT '',
  decline_reason     VARCHAR(200)  NOT NULL DEFAULT '',
  created_at         DATETIME(6)   NOT NULL,
  updated_at         DATETIME(6)   NOT NULL,
  paid_at            DATETIME(6)   NULL,
  refunded_at        DATETIME(6)   NULL,
  CONSTRAINT chk_payments_amount CHECK (amount_cents > 0),
  UNIQUE KEY uq_payments_provider_charge (provider_charge_id),
  KEY idx_payments_order_created (order_id, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

--bun:split

-- Every verified webhook event, once: a redelivery of a handled event
-- changes nothing.
CREATE TABLE provider_events (
  event_id    VARCHAR(128) NOT NULL PRIMARY KEY,
  charge_id   VARCHAR(128) NOT NULL,
  payment_id  VARCHAR(64)  NOT NULL,
  type        VARCHAR(64)  NOT NULL,
  sequence    BIGINT       NOT NULL,
  received_at DATETIME(6)  NOT NULL,
  handled_at  DATETIME(6)  NULL,
  KEY idx_provider_events_charge (charge_id, sequence)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
