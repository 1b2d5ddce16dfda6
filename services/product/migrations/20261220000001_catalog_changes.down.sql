DROP TRIGGER IF EXISTS categories_moved;

--bun:split

DROP TRIGGER IF EXISTS products_deleted_change;

--bun:split

DROP TRIGGER IF EXISTS products_inserted_change;

--bun:split

DROP TRIGGER IF EXISTS products_updated_change;

--bun:split

DROP TRIGGER IF EXISTS products_revision;

--bun:split

DROP TABLE IF EXISTS catalog_changes;

--bun:split

ALTER TABLE products DROP COLUMN revision;
