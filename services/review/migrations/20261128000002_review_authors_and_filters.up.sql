-- The first migration sized the ids for bare UUIDs, but the contract allows
-- 64 characters and user ids are "u-" + UUID (38): widen them. Reviews also
-- keep the reviewer's masked nickname as it was when they wrote (never the
-- user id), and a has_images flag so WITH_IMAGES pages through an index.
-- One index per listing order (each ends with the keyset columns, so a page
-- is an index range), and one for GetReviewStatus (the caller's orders).
ALTER TABLE reviews
  MODIFY id          VARCHAR(64) NOT NULL,
  MODIFY product_id  VARCHAR(64) NOT NULL,
  MODIFY user_id     VARCHAR(64) NOT NULL,
  MODIFY order_id    VARCHAR(64) NOT NULL,
  ADD COLUMN author_name VARCHAR(64) NOT NULL DEFAULT '' AFTER order_id,
  ADD COLUMN has_images  BOOLEAN     NOT NULL DEFAULT FALSE AFTER image_urls,
  ADD KEY idx_reviews_product_rating (product_id, rating, created_at, id),
  ADD KEY idx_reviews_product_images (product_id, has_images, created_at, id),
  ADD KEY idx_reviews_user_order (user_id, order_id);

--bun:split

-- Rows written before this migration (none in a release, but be exact):
-- derive the flag from the stored URLs and show their author as anonymous.
UPDATE reviews
SET has_images = (JSON_LENGTH(image_urls) > 0),
    author_name = IF(author_name = '', '***', author_name);
