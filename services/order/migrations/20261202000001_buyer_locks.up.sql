-- One row per buyer, locked by every transaction that creates a regular
-- order, so the per-buyer caps on unpaid orders and units are exact under
-- concurrent checkouts (the row lock queues one buyer's checkouts; other
-- buyers are not affected).
CREATE TABLE buyer_locks (
  user_id    VARCHAR(64) NOT NULL PRIMARY KEY,
  updated_at DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
