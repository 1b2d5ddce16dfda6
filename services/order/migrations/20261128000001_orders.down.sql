DROP TABLE IF EXISTS order_status_history;

--bun:split

DROP TABLE IF EXISTS order_lines;

--bun:split

DROP TABLE IF EXISTS orders;
