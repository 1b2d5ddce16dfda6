ALTER TABLE stock_adjustments
  MODIFY id         VARCHAR(64) COLLATE utf8mb4_unicode_ci NOT NULL,
  MODIFY product_id VARCHAR(64) COLLATE utf8mb4_unicode_ci NOT NULL;
