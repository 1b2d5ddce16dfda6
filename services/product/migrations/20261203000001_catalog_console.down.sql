ALTER TABLE banners DROP COLUMN keyword, DROP COLUMN category_id;

--bun:split

DROP TABLE IF EXISTS product_images;

--bun:split

DROP TABLE IF EXISTS stock_adjustments;
