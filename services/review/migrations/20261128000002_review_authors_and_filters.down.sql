-- Narrowing the ids back fails (strict mode) if a longer id was stored;
-- that is deliberate: it must not truncate ids silently.
ALTER TABLE reviews
  DROP KEY idx_reviews_user_order,
  DROP KEY idx_reviews_product_images,
  DROP KEY idx_reviews_product_rating,
  DROP COLUMN has_images,
  DROP COLUMN author_name,
  MODIFY id          VARCHAR(36) NOT NULL,
  MODIFY product_id  VARCHAR(36) NOT NULL,
  MODIFY user_id     VARCHAR(36) NOT NULL,
  MODIFY order_id    VARCHAR(36) NOT NULL;
