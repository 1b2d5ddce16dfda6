-- seq orders orders by creation and is the keyset of every listing (newest
-- first); id is the order id the checkout saga derives from the request id.
-- kind 1 is a regular (checkout) order, 2 a flash-sale order. Flash-sale
-- orders carry their event in seckill_event_id (NULL for regular orders, so
-- the unique key below allows one order per user and event and leaves
-- regular orders unconstrained); their address may be resolved later, hence
-- the nullable shipping_address.
CREATE TABLE orders (
  seq               BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  id                VARCHAR(64)  NOT NULL,
  user_id           VARCHAR(64)  NOT NULL,
  status            TINYINT      NOT NULL,
  kind              TINYINT      NOT NULL,
  total_cents       BIGINT       NOT NULL,
  shipping_address  JSON         NULL,
  payment_deadline  DATETIME(6)  NULL,
  seckill_event_id  VARCHAR(64)  NULL,
  reservation_id    VARCHAR(64)  NOT NULL DEFAULT '',
  carrier           VARCHAR(64)  NOT NULL DEFAULT '',
  tracking_number   VARCHAR(64)  NOT NULL DEFAULT '',
  created_at        DATETIME(6)  NOT NULL,
  updated_at        DATETIME(6)  NOT NULL,
  CONSTRAINT chk_orders_total CHECK (total_cents >= 0),
  UNIQUE KEY uq_orders_id (id),
  UNIQUE KEY uq_orders_seckill_user (seckill_event_id, user_id),
  KEY idx_orders_user_status_seq (user_id, status, seq),
  KEY idx_orders_user_seq (user_id, seq),
  KEY idx_orders_status_deadline (status, payment_deadline)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

--bun:split

-- Lines are snapshots taken at checkout: later catalog changes do not
-- touch them.
CREATE TABLE order_lines (
  order_id          VARCHAR(64)  NOT NULL,
  line_no           INT          NOT NULL,
  product_id        VARCHAR(64)  NOT NULL,
  category_id       VARCHAR(64)  NOT NULL,
  title             VARCHAR(200) NOT NULL,
  image_url         VARCHAR(512) NOT NULL DEFAULT '',
  unit_price_cents  BIGINT       NOT NULL,
  quantity          INT          NOT NULL,
  PRIMARY KEY (order_id, line_no),
  KEY idx_order_lines_product (product_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

--bun:split

-- One row per status change; from_status 0 (UNSPECIFIED) is the creation.
CREATE TABLE order_status_history (
  id           BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  order_id     VARCHAR(64)  NOT NULL,
  from_status  TINYINT      NOT NULL,
  to_status    TINYINT      NOT NULL,
  reason       VARCHAR(255) NOT NULL DEFAULT '',
  occurred_at  DATETIME(6)  NOT NULL,
  KEY idx_order_status_history_order (order_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
