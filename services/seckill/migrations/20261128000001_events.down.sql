DROP TABLE IF EXISTS flash_sale_events;
