CREATE TABLE orders (
  id                VARCHAR(36) NOT NULL PRIMARY KEY,
  user_id           VARCHAR(36) NOT NULL,
  request_id        VARCHAR(64) NOT NULL,
  status            TINYINT     NOT NULL,
  total_cents       BIGINT      NOT NULL,
  shipping_address  JSON        NOT NULL,
  payment_deadline  DATETIME(6) NULL,
  created_at        DATETIME(6) NOT NULL,
  updated_at        DATETIME(6) NOT NULL,
  UNIQUE KEY uq_orders_user_request (user_id, request_id),
  KEY idx_orders_user_status_created (user_id, status, created_at, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

--bun:split

CREATE TABLE order_lines (
  order_id    VARCHAR(36)  NOT NULL,
  line_no     INT          NOT NULL,
  product_id  VARCHAR(36)  NOT NULL,
  title       VARCHAR(200) NOT NULL,
  image_url   VARCHAR(512) NOT NULL DEFAULT '',
  price_cents BIGINT       NOT NULL,
  quantity    INT          NOT NULL,
  PRIMARY KEY (order_id, line_no)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

--bun:split

CREATE TABLE order_status_history (
  id          BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  order_id    VARCHAR(36)  NOT NULL,
  from_status TINYINT      NOT NULL,
  to_status   TINYINT      NOT NULL,
  reason      VARCHAR(255) NOT NULL DEFAULT '',
  changed_at  DATETIME(6)  NOT NULL,
  KEY idx_order_status_history_order (order_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
