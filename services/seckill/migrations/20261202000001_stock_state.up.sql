-- A sale's units are inventory taken from the product (its stock
-- allocation, named by the event id). stock_state: 1 allocating (CreateEvent
-- is taking them), 2 allocated (the sale sells), 3 settled (ended; what was
-- left went back to the product), 4 abandoned (creation failed; what was
-- taken went back once settled_at is set). Only 2 and 3 are visible. Sales
-- created before this version count as allocated: settling one returns
-- only what the product service holds for it (nothing, unless seeded).
ALTER TABLE flash_sale_events
  ADD COLUMN stock_state TINYINT NOT NULL DEFAULT 2 AFTER per_user_limit,
  ADD COLUMN settled_at DATETIME(6) NULL AFTER created_at,
  ADD COLUMN returned_units BIGINT NOT NULL DEFAULT 0 AFTER settled_at;

--bun:split

CREATE INDEX idx_flash_sale_events_state_end ON flash_sale_events (stock_state, ends_at);
