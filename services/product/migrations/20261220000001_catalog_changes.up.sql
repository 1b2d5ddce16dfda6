-- The outbox of catalog changes: every insert, update or delete of a
-- product bumps its revision and queues its id here in the same statement,
-- whatever code (or person) changed it; the product service relays the
-- queue to the mall.product.changes topic the search indexes read.
ALTER TABLE products ADD COLUMN revision BIGINT NOT NULL DEFAULT 1;

--bun:split

CREATE TABLE catalog_changes (
  product_id VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_nopad_bin NOT NULL PRIMARY KEY,
  revision   BIGINT NOT NULL
) ENGINE=InnoDB;

--bun:split

CREATE TRIGGER products_revision BEFORE UPDATE ON products FOR EACH ROW
  SET NEW.revision = OLD.revision + 1;

--bun:split

CREATE TRIGGER products_updated_change AFTER UPDATE ON products FOR EACH ROW
  INSERT INTO catalog_changes (product_id, revision) VALUES (NEW.id, NEW.revision)
  ON DUPLICATE KEY UPDATE revision = VALUES(revision);

--bun:split

CREATE TRIGGER products_inserted_change AFTER INSERT ON products FOR EACH ROW
  INSERT INTO catalog_changes (product_id, revision) VALUES (NEW.id, NEW.revision)
  ON DUPLICATE KEY UPDATE revision = VALUES(revision);

--bun:split

CREATE TRIGGER products_deleted_change AFTER DELETE ON products FOR EACH ROW
  INSERT INTO catalog_changes (product_id, revision) VALUES (OLD.id, OLD.revision + 1)
  ON DUPLICATE KEY UPDATE revision = VALUES(revision);

--bun:split

-- A category moved under another parent changes the ancestry every product
-- below it is searched by; moves are rare, so every product is queued.
CREATE TRIGGER categories_moved AFTER UPDATE ON categories FOR EACH ROW
  UPDATE products SET revision = revision + 1 WHERE NEW.parent_id <> OLD.parent_id;

--bun:split

-- Products that existed before the queue are queued once.
INSERT INTO catalog_changes (product_id, revision) SELECT id, revision FROM products;
