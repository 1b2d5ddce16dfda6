CREATE TABLE cart_lines (
  id         VARCHAR(36) NOT NULL PRIMARY KEY,
  user_id    VARCHAR(36) NOT NULL,
  product_id VARCHAR(36) NOT NULL,
  quantity   INT         NOT NULL,
  selected   BOOLEAN     NOT NULL DEFAULT TRUE,
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  CONSTRAINT chk_cart_lines_quantity CHECK (quantity > 0),
  UNIQUE KEY uq_cart_lines_user_product (user_id, product_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
