ALTER TABLE buyer_locks
  MODIFY user_id VARCHAR(64) COLLATE utf8mb4_unicode_ci NOT NULL;

--bun:split

ALTER TABLE order_status_history
  MODIFY order_id VARCHAR(64) COLLATE utf8mb4_unicode_ci NOT NULL;

--bun:split

ALTER TABLE order_lines
  MODIFY order_id    VARCHAR(64) COLLATE utf8mb4_unicode_ci NOT NULL,
  MODIFY product_id  VARCHAR(64) COLLATE utf8mb4_unicode_ci NOT NULL,
  MODIFY category_id VARCHAR(64) COLLATE utf8mb4_unicode_ci NOT NULL;

--bun:split

ALTER TABLE orders
  MODIFY id               VARCHAR(64) COLLATE utf8mb4_unicode_ci NOT NULL,
  MODIFY user_id          VARCHAR(64) COLLATE utf8mb4_unicode_ci NOT NULL,
  MODIFY seckill_event_id VARCHAR(64) COLLATE utf8mb4_unicode_ci NULL,
  MODIFY reservation_id   VARCHAR(64) COLLATE utf8mb4_unicode_ci NOT NULL DEFAULT '';
