import { Navigate, Route, Routes } from "react-router-dom";
import { OrderPage } from "./OrderPage";
import { OrdersPage } from "./OrdersPage";

// OrdersArea is the console's orders: the filtered list and an order's page.
export default function OrdersArea() {
  return (
    <Routes>
      <Route index element={<OrdersPage />} />
      <Route path=":orderId" element={<OrderPage />} />
      <Route path="*" element={<Navigate to="/admin/orders" replace />} />
    </Routes>
  );
}
