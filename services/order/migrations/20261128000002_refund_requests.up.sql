-- Set when the buyer cancels a PAID order: from then on it cannot ship, and
-- CancellationWorkflow refunds it (status stays PAID until REFUNDED).
ALTER TABLE orders ADD COLUMN refund_requested_at DATETIME(6) NULL AFTER tracking_number;
