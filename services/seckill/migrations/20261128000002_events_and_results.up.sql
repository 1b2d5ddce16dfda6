-- The first events table never held data (the service answered
-- Unimplemented until this version): replaced with ids that fit the mall's
-- ids (64), the product snapshot the sale shows, and purchase results.
DROP TABLE IF EXISTS flash_sale_events;

--bun:split

CREATE TABLE flash_sale_events (
  id                   VARCHAR(64)   NOT NULL PRIMARY KEY,
  product_id           VARCHAR(64)   NOT NULL,
  category_id          VARCHAR(64)   NOT NULL DEFAULT '',
  title                VARCHAR(200)  NOT NULL,
  image_url            VARCHAR(512)  NOT NULL DEFAULT '',
  original_price_cents BIGINT        NOT NULL,
  price_cents          BIGINT        NOT NULL,
  stock                BIGINT        NOT NULL,
  per_user_limit       INT           NOT NULL,
  starts_at            DATETIME(6)   NOT NULL,
  ends_at              DATETIME(6)   NOT NULL,
  created_at           DATETIME(6)   NOT NULL,
  CONSTRAINT chk_flash_sale_events_window CHECK (ends_at > starts_at),
  CONSTRAINT chk_flash_sale_events_stock CHECK (stock > 0),
  KEY idx_flash_sale_events_window (ends_at, starts_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

--bun:split

-- What became of an accepted purchase (ticket), as the writers report it.
-- The ticket names its event and a digest of its buyer, so the row needs
-- no user column for GetPurchaseResult to check ownership.
CREATE TABLE purchase_results (
  ticket         VARCHAR(64)  NOT NULL PRIMARY KEY,
  event_id       VARCHAR(64)  NOT NULL,
  state          TINYINT      NOT NULL,
  order_id       VARCHAR(64)  NOT NULL DEFAULT '',
  failure_reason VARCHAR(200) NOT NULL DEFAULT '',
  updated_at     DATETIME(6)  NOT NULL,
  KEY idx_purchase_results_event (event_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
