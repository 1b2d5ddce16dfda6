-- Why a purchase failed, machine-readable (an ErrorInfo reason such as
-- SOLD_OUT), so the shop can say it in the buyer's language; failure_reason
-- keeps the English text.
ALTER TABLE purchase_results ADD COLUMN failure_code VARCHAR(64) NOT NULL DEFAULT '' AFTER failure_reason;
