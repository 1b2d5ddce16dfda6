-- Every change of a product's available stock made by an operator
-- (AdjustStock, SetStock): who, when, why, and the level before and after.
-- id is the caller's idempotency key for AdjustStock.
CREATE TABLE stock_adjustments (
  seq          BIGINT       NOT NULL AUTO_INCREMENT PRIMARY KEY,
  id           VARCHAR(64)  NOT NULL,
  product_id   VARCHAR(64)  NOT NULL,
  kind         TINYINT      NOT NULL,
  delta        BIGINT       NOT NULL,
  reason       VARCHAR(200) NOT NULL DEFAULT '',
  actor_id     VARCHAR(64)  NOT NULL,
  stock_before BIGINT       NOT NULL,
  stock_after  BIGINT       NOT NULL,
  created_at   DATETIME(6)  NOT NULL,
  UNIQUE KEY uq_stock_adjustments_id (id),
  KEY idx_stock_adjustments_product (product_id, seq)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

--bun:split

-- Pictures operators upload for products and banners, kept here (the
-- bytes, their type and size as read from them) so the server that checked
-- them serves them. The same bytes are one picture (sha256). The id is
-- exact (ascii_bin): no other spelling of it names the picture.
CREATE TABLE product_images (
  id           VARCHAR(40) CHARACTER SET ascii COLLATE ascii_bin NOT NULL PRIMARY KEY,
  content_type VARCHAR(32)  NOT NULL,
  width        INT          NOT NULL,
  height       INT          NOT NULL,
  size_bytes   INT          NOT NULL,
  sha256       BINARY(32)   NOT NULL,
  data         MEDIUMBLOB   NOT NULL,
  uploaded_by  VARCHAR(64)  NOT NULL,
  created_at   DATETIME(6)  NOT NULL,
  UNIQUE KEY uq_product_images_sha256 (sha256)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

--bun:split

-- A banner promotes a product, a category or a search.
ALTER TABLE banners
  ADD COLUMN category_id VARCHAR(64)  NOT NULL DEFAULT '' AFTER product_id,
  ADD COLUMN keyword     VARCHAR(100) NOT NULL DEFAULT '' AFTER category_id;
