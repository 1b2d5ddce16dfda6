-- Ids compare byte for byte: under the tables' case- and width-insensitive
-- collation (which also ignores trailing spaces) "ORD-1", "ｏｒｄ-1" and
-- "ord-1 " found the order "ord-1", and an action taken through such a
-- spelling reached the order under an id its sagas and the audit log do
-- not know.
ALTER TABLE orders
  MODIFY id               VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
  MODIFY user_id          VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
  MODIFY seckill_event_id VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NULL,
  MODIFY reservation_id   VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL DEFAULT '';

--bun:split

ALTER TABLE order_lines
  MODIFY order_id    VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
  MODIFY product_id  VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
  MODIFY category_id VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL;

--bun:split

ALTER TABLE order_status_history
  MODIFY order_id VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL;

--bun:split

ALTER TABLE buyer_locks
  MODIFY user_id VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL;
