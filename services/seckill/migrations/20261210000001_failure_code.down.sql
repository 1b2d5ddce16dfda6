ALTER TABLE purchase_results DROP COLUMN failure_code;
