CREATE TABLE reviews (
  id         VARCHAR(36)  NOT NULL PRIMARY KEY,
  product_id VARCHAR(36)  NOT NULL,
  user_id    VARCHAR(36)  NOT NULL,
  order_id   VARCHAR(36)  NOT NULL,
  rating     TINYINT      NOT NULL,
  body       TEXT         NOT NULL,
  image_urls JSON         NOT NULL,
  created_at DATETIME(6)  NOT NULL,
  CONSTRAINT chk_reviews_rating CHECK (rating BETWEEN 1 AND 5),
  UNIQUE KEY uq_reviews_order_product (order_id, product_id),
  KEY idx_reviews_product_created (product_id, created_at, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
