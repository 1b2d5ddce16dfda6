DROP TABLE IF EXISTS provider_events;

--bun:split

DROP TABLE IF EXISTS payments;

--bun:split

CREATE TABLE payments (
  id                 VARCHAR(36)  NOT NULL PRIMARY KEY,
  order_id           VARCHAR(36)  NOT NULL,
  user_id            VARCHAR(36)  NOT NULL,
  amount_cents       BIGINT       NOT NULL,
  status             TINYINT      NOT NULL,
  provider_charge_id VARCHAR(64)  NULL,
  created_at         DATETIME(6)  NOT NULL,
  updated_at         DATETIME(6)  NOT NULL,
  UNIQUE KEY uq_payments_order (order_id),
  UNIQUE KEY uq_payments_provider_charge (provider_charge_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
