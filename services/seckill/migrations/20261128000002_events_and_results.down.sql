DROP TABLE IF EXISTS purchase_results;

--bun:split

DROP TABLE IF EXISTS flash_sale_events;

--bun:split

CREATE TABLE flash_sale_events (
  id               VARCHAR(36) NOT NULL PRIMARY KEY,
  product_id       VARCHAR(36) NOT NULL,
  flash_price_cents BIGINT     NOT NULL,
  stock            INT         NOT NULL,
  per_user_limit   INT         NOT NULL DEFAULT 1,
  starts_at        DATETIME(6) NOT NULL,
  ends_at          DATETIME(6) NOT NULL,
  created_at       DATETIME(6) NOT NULL,
  CONSTRAINT chk_flash_sale_events_window CHECK (ends_at > starts_at),
  KEY idx_flash_sale_events_window (ends_at, starts_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
