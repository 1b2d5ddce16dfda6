DROP INDEX idx_flash_sale_events_state_end ON flash_sale_events;

--bun:split

ALTER TABLE flash_sale_events DROP COLUMN returned_units, DROP COLUMN settled_at, DROP COLUMN stock_state;
