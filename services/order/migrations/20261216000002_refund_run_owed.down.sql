ALTER TABLE orders DROP COLUMN refund_run_owed;
