ALTER TABLE reservations DROP COLUMN allocation_id;

--bun:split

DROP TABLE IF EXISTS stock_allocations;

--bun:split

ALTER TABLE products DROP CONSTRAINT chk_products_allocated;

--bun:split

ALTER TABLE products DROP COLUMN allocated;
