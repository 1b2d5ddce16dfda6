DROP TABLE IF EXISTS reservation_lines;

--bun:split

DROP TABLE IF EXISTS reservations;

--bun:split

DROP TABLE IF EXISTS banners;

--bun:split

DROP TABLE IF EXISTS products;

--bun:split

DROP TABLE IF EXISTS categories;
