-- refund_run_owed is 1 from the moment an operator's retry moved a refused
-- refund back to REQUESTED until that retry's refund run has started: a
-- retry that finds the refund REQUESTED and nothing owed leaves it to the
-- run under way (or ended: its answer is on the order), so one refusal is
-- asked of the provider again once however often it is retried.
ALTER TABLE orders ADD COLUMN refund_run_owed TINYINT NOT NULL DEFAULT 0 AFTER refund_refused_at;
