-- carts has one row per user who ever added to a cart. AddItem locks it
-- (SELECT ... FOR UPDATE through an upsert) so that the line-count cap of a
-- cart holds under concurrent adds of different products; the quantity of a
-- line is still merged by one atomic upsert on cart_lines.
CREATE TABLE carts (
  user_id    VARCHAR(64) NOT NULL PRIMARY KEY,
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

--bun:split

-- One line per (user, product). seq breaks ties of created_at when listing
-- most recently added first. Quantity bounds mirror the contract (1..99).
CREATE TABLE cart_lines (
  seq        BIGINT      NOT NULL AUTO_INCREMENT PRIMARY KEY,
  user_id    VARCHAR(64) NOT NULL,
  product_id VARCHAR(64) NOT NULL,
  quantity   INT         NOT NULL,
  selected   BOOLEAN     NOT NULL DEFAULT TRUE,
  created_at DATETIME(6) NOT NULL,
  updated_at DATETIME(6) NOT NULL,
  CONSTRAINT chk_cart_lines_quantity CHECK (quantity BETWEEN 1 AND 99),
  UNIQUE KEY uq_cart_lines_user_product (user_id, product_id),
  KEY idx_cart_lines_user_created (user_id, created_at, seq)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
