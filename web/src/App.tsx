import { Navigate, Route, Routes } from "react-router-dom";
import { Layout } from "./components/Layout";
import { RequireLogin } from "./components/RequireLogin";
import { AddressesPage } from "./pages/Addresses";
import { CartPage } from "./pages/Cart";
import { CategoryPage } from "./pages/Category";
import { CheckoutPage } from "./pages/Checkout";
import { FavoritesPage } from "./pages/Favorites";
import { FlashListPage, FlashSalePage } from "./pages/FlashSale";
import { HomePage } from "./pages/Home";
import { LoginPage, RegisterPage } from "./pages/Login";
import { OrderPage } from "./pages/Order";
import { OrdersPage } from "./pages/Orders";
import { ProductPage } from "./pages/Product";
import { ProfilePage } from "./pages/Profile";
import { RankingsPage } from "./pages/Rankings";
import { SearchPage } from "./pages/Search";

export function App() {
  return (
    <Routes>
      <Route element={<Layout />}>
        <Route index element={<HomePage />} />
        <Route path="category" element={<CategoryPage />} />
        <Route path="category/:categoryId" element={<CategoryPage />} />
        <Route path="search" element={<SearchPage />} />
        <Route path="rankings" element={<RankingsPage />} />
        <Route path="product/:productId" element={<ProductPage />} />
        <Route path="flash" element={<FlashListPage />} />
        <Route path="flash/:eventId" element={<FlashSalePage />} />
        <Route path="login" element={<LoginPage />} />
        <Route path="register" element={<RegisterPage />} />
        <Route element={<RequireLogin />}>
          <Route path="cart" element={<CartPage />} />
          <Route path="checkout" element={<CheckoutPage />} />
          <Route path="orders" element={<OrdersPage />} />
          <Route path="orders/:orderId" element={<OrderPage />} />
          <Route path="me" element={<ProfilePage />} />
          <Route path="me/addresses" element={<AddressesPage />} />
          <Route path="me/favorites" element={<FavoritesPage />} />
        </Route>
        <Route path="*" element={<Navigate to="/" replace />} />
      </Route>
    </Routes>
  );
}
