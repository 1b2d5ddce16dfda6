CREATE TABLE categories (
  id         VARCHAR(64)  NOT NULL PRIMARY KEY,
  parent_id  VARCHAR(64)  NOT NULL DEFAULT '',
  name       VARCHAR(64)  NOT NULL,
  icon_url   VARCHAR(512) NOT NULL DEFAULT '',
  sort_order INT          NOT NULL DEFAULT 0,
  created_at DATETIME(6)  NOT NULL,
  KEY idx_categories_parent (parent_id, sort_order)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

--bun:split

-- seq orders products by creation and is the keyset tie-breaker of every
-- listing; stock is what can still be reserved. stock + reserved + sold only
-- changes through SetStock.
CREATE TABLE products (
  seq          BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
  id           VARCHAR(64)   NOT NULL,
  category_id  VARCHAR(64)   NOT NULL,
  title        VARCHAR(200)  NOT NULL,
  subtitle     VARCHAR(200)  NOT NULL DEFAULT '',
  description  TEXT          NOT NULL,
  image_urls   JSON          NOT NULL,
  price_cents  BIGINT        NOT NULL,
  stock        BIGINT        NOT NULL DEFAULT 0,
  reserved     BIGINT        NOT NULL DEFAULT 0,
  sold         BIGINT        NOT NULL DEFAULT 0,
  sales_count  BIGINT        NOT NULL DEFAULT 0,
  status       TINYINT       NOT NULL DEFAULT 1,
  created_at   DATETIME(6)   NOT NULL,
  updated_at   DATETIME(6)   NOT NULL,
  CONSTRAINT chk_products_stock CHECK (stock >= 0 AND reserved >= 0 AND sold >= 0),
  CONSTRAINT chk_products_price CHECK (price_cents >= 0),
  UNIQUE KEY uq_products_id (id),
  KEY idx_products_category_seq (category_id, status, seq),
  KEY idx_products_status_price (status, price_cents, seq),
  KEY idx_products_status_sales (status, sales_count, seq)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

--bun:split

CREATE TABLE banners (
  id         VARCHAR(64)  NOT NULL PRIMARY KEY,
  title      VARCHAR(100) NOT NULL,
  image_url  VARCHAR(512) NOT NULL,
  link_url   VARCHAR(512) NOT NULL DEFAULT '',
  product_id VARCHAR(64)  NOT NULL DEFAULT '',
  sort_order INT          NOT NULL DEFAULT 0,
  starts_at  DATETIME(6)  NOT NULL,
  ends_at    DATETIME(6)  NOT NULL,
  created_at DATETIME(6)  NOT NULL,
  KEY idx_banners_window (ends_at, starts_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

--bun:split

CREATE TABLE reservations (
  id         VARCHAR(64) NOT NULL PRIMARY KEY,
  state      TINYINT     NOT NULL,
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

--bun:split

CREATE TABLE reservation_lines (
  reservation_id VARCHAR(64) NOT NULL,
  product_id     VARCHAR(64) NOT NULL,
  quantity       INT         NOT NULL,
  PRIMARY KEY (reservation_id, product_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
