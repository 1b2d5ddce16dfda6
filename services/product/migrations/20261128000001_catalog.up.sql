CREATE TABLE categories (
  id         VARCHAR(36)  NOT NULL PRIMARY KEY,
  parent_id  VARCHAR(36)  NULL,
  name       VARCHAR(64)  NOT NULL,
  icon_url   VARCHAR(512) NOT NULL DEFAULT '',
  sort_order INT          NOT NULL DEFAULT 0,
  created_at DATETIME(6)  NOT NULL,
  KEY idx_categories_parent (parent_id, sort_order)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

--bun:split

CREATE TABLE products (
  id           VARCHAR(36)   NOT NULL PRIMARY KEY,
  category_id  VARCHAR(36)   NOT NULL,
  title        VARCHAR(200)  NOT NULL,
  subtitle     VARCHAR(500)  NOT NULL DEFAULT '',
  description  TEXT          NOT NULL,
  image_urls   JSON          NOT NULL,
  price_cents  BIGINT        NOT NULL,
  stock        INT           NOT NULL DEFAULT 0,
  sales        BIGINT        NOT NULL DEFAULT 0,
  status       TINYINT       NOT NULL DEFAULT 1,
  created_at   DATETIME(6)   NOT NULL,
  updated_at   DATETIME(6)   NOT NULL,
  CONSTRAINT chk_products_stock CHECK (stock >= 0),
  CONSTRAINT chk_products_price CHECK (price_cents >= 0),
  KEY idx_products_category_created (category_id, created_at, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
