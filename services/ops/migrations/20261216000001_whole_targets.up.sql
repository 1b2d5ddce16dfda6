-- A bulk action's target names each of its things (BulkShipOrders: up to
-- 100 orders); cut at 200 characters it named the first few, and a search
-- of the log by any other order did not find the action.
ALTER TABLE audit_entries MODIFY target TEXT NOT NULL DEFAULT '';
