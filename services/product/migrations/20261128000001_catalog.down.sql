DROP TABLE IF EXISTS products;

--bun:split

DROP TABLE IF EXISTS categories;
