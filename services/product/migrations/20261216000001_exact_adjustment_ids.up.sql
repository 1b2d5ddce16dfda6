-- An adjustment id is its caller's idempotency key and compares byte for
-- byte: under the table's case- and width-insensitive collation "ADJ-1"
-- was taken for a replay of "adj-1" and refused, and a history listed
-- under a product id spelled otherwise was that product's.
ALTER TABLE stock_adjustments
  MODIFY id         VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL,
  MODIFY product_id VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL;
