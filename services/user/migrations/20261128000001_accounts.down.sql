DROP TABLE IF EXISTS favorites;

--bun:split

DROP TABLE IF EXISTS addresses;

--bun:split

DROP TABLE IF EXISTS users;
