-- allocated is stock set aside for flash sales: AllocateStock moves units
-- from stock (available) to allocated, ConfirmAllocatedStock from allocated
-- to sold, ReturnAllocation what is left back to stock. stock + reserved +
-- sold + allocated only changes through SetStock.
ALTER TABLE products ADD COLUMN allocated BIGINT NOT NULL DEFAULT 0 AFTER sold;

--bun:split

ALTER TABLE products ADD CONSTRAINT chk_products_allocated CHECK (allocated >= 0);

--bun:split

-- One row per flash sale (id = its event id): units still allocated are
-- quantity - sold - returned. A row in state 2 (returned) with quantity 0
-- and no product is the record of an id returned before it was allocated,
-- so a late AllocateStock with that id takes nothing.
CREATE TABLE stock_allocations (
  id          VARCHAR(64)  NOT NULL PRIMARY KEY,
  product_id  VARCHAR(64)  NOT NULL,
  quantity    BIGINT       NOT NULL,
  sold        BIGINT       NOT NULL DEFAULT 0,
  returned    BIGINT       NOT NULL DEFAULT 0,
  state       TINYINT      NOT NULL,
  created_at  DATETIME(6)  NOT NULL,
  updated_at  DATETIME(6)  NOT NULL,
  CONSTRAINT chk_stock_allocations_units CHECK (quantity >= 0 AND sold >= 0 AND returned >= 0 AND sold + returned <= quantity)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

--bun:split

-- A flash-sale order's units, confirmed as sold or released before
-- payment, are a reservation named by the order id, tied to its sale's
-- allocation; regular reservations leave it empty.
ALTER TABLE reservations ADD COLUMN allocation_id VARCHAR(64) NOT NULL DEFAULT '' AFTER state;
