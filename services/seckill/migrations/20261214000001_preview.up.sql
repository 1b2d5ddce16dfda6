-- A sale is created in preview (published_at NULL): operators see it,
-- shoppers neither see nor buy it until it is published. Sales created
-- before this version were on the storefront already: they count as
-- published when they were created.
ALTER TABLE flash_sale_events ADD COLUMN published_at DATETIME(6) NULL AFTER created_at;

--bun:split

UPDATE flash_sale_events SET published_at = created_at WHERE published_at IS NULL;
