-- The operators' attention list asks for every order whose refund the
-- provider refused (ListOrdersInternal refund_states), newest first.
ALTER TABLE orders ADD KEY idx_orders_refund_state_seq (refund_state, seq);
