DROP TABLE IF EXISTS cart_lines;

--bun:split

DROP TABLE IF EXISTS carts;
