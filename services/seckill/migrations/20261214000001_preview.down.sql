ALTER TABLE flash_sale_events DROP COLUMN published_at;
