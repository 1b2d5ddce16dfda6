import { useTranslation } from "react-i18next";
import { Navigate, NavLink, Route, Routes } from "react-router-dom";
import { BannersPage } from "./Banners";
import { CategoriesPage } from "./Categories";
import { ProductFormPage } from "./ProductForm";
import { ProductsPage } from "./Products";
import { StockPage } from "./Stock";

// CatalogArea is the console's catalog: categories, products, their stock
// and the home page's banners, one sub-page each.
export default function CatalogArea() {
  const { t } = useTranslation("admin");
  const sections = [
    { path: "products", label: t("catalog.products") },
    { path: "categories", label: t("catalog.categories") },
    { path: "stock", label: t("catalog.stock") },
    { path: "banners", label: t("catalog.banners") },
  ];
  return (
    <>
      <nav className="admin-tabs" aria-label={t("catalog.sections")}>
        {sections.map((s) => (
          <NavLink key={s.path} to={`/admin/catalog/${s.path}`}>
            {s.label}
          </NavLink>
        ))}
      </nav>
      <Routes>
        <Route index element={<Navigate to="products" replace />} />
        <Route path="products" element={<ProductsPage />} />
        <Route path="products/new" element={<ProductFormPage />} />
        <Route path="products/:productId" element={<ProductFormPage />} />
        <Route path="categories" element={<CategoriesPage />} />
        <Route path="stock" element={<StockPage />} />
        <Route path="stock/:productId" element={<StockPage />} />
        <Route path="banners" element={<BannersPage />} />
        <Route path="*" element={<Navigate to="products" replace />} />
      </Routes>
    </>
  );
}
