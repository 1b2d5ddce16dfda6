import { lazy, Suspense } from "react";
import { Navigate, Outlet, Route, Routes } from "react-router-dom";
import { Layout } from "./components/Layout";
import { RequireLogin } from "./components/RequireLogin";
import { Loading } from "./components/ui";
import { HomePage } from "./pages/Home";

// The home page is in the first chunk: it is the page most visits start on.
// Every other page is a chunk of its own, fetched when first visited.
// The operators' console: its pages, texts and styles are a chunk of their
// own that no shopper downloads.
const AdminApp = lazy(() => import("./admin/AdminApp"));
const AddressesPage = lazy(() => import("./pages/Addresses").then((m) => ({ default: m.AddressesPage })));
const CartPage = lazy(() => import("./pages/Cart").then((m) => ({ default: m.CartPage })));
const CategoryPage = lazy(() => import("./pages/Category").then((m) => ({ default: m.CategoryPage })));
const CheckoutPage = lazy(() => import("./pages/Checkout").then((m) => ({ default: m.CheckoutPage })));
const FavoritesPage = lazy(() => import("./pages/Favorites").then((m) => ({ default: m.FavoritesPage })));
const FlashListPage = lazy(() => import("./pages/FlashSale").then((m) => ({ default: m.FlashListPage })));
const FlashSalePage = lazy(() => import("./pages/FlashSale").then((m) => ({ default: m.FlashSalePage })));
const LoginPage = lazy(() => import("./pages/Login").then((m) => ({ default: m.LoginPage })));
const RegisterPage = lazy(() => import("./pages/Login").then((m) => ({ default: m.RegisterPage })));
const OrderPage = lazy(() => import("./pages/Order").then((m) => ({ default: m.OrderPage })));
const OrdersPage = lazy(() => import("./pages/Orders").then((m) => ({ default: m.OrdersPage })));
const ProductPage = lazy(() => import("./pages/Product").then((m) => ({ default: m.ProductPage })));
const ProfilePage = lazy(() => import("./pages/Profile").then((m) => ({ default: m.ProfilePage })));
const RankingsPage = lazy(() => import("./pages/Rankings").then((m) => ({ default: m.RankingsPage })));
const SearchPage = lazy(() => import("./pages/Search").then((m) => ({ default: m.SearchPage })));

// Pages waits for a page's chunk inside the layout, so the header and the
// navigation stay on screen while it loads.
function Pages() {
  return (
    <Suspense fallback={<Loading />}>
      <Outlet />
    </Suspense>
  );
}

export function App() {
  return (
    <Routes>
      <Route
        path="admin/*"
        element={
          <Suspense fallback={<Loading />}>
            <AdminApp />
          </Suspense>
        }
      />
      <Route element={<Layout />}>
        <Route element={<Pages />}>
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
      </Route>
    </Routes>
  );
}
