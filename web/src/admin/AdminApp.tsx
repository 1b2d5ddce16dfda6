import { lazy } from "react";
import { useTranslation } from "react-i18next";
import { Link, Navigate, Route, Routes, useLocation } from "react-router-dom";
import { useSession } from "../hooks/useSession";
import { useAdminTitle } from "./useAdminTitle";
import { loginPath } from "../lib/identity";
import { AdminLayout } from "./AdminLayout";
import "./admin.css";
import "./i18n";
import { OverviewPage } from "./Overview";

const CatalogArea = lazy(() => import("./catalog/CatalogArea"));
const OrdersArea = lazy(() => import("./orders/OrdersArea"));
const FlashArea = lazy(() => import("./flash/FlashArea"));
const AttentionPage = lazy(() => import("./attention/AttentionPage").then((m) => ({ default: m.AttentionPage })));
const AuditPage = lazy(() => import("./audit/AuditPage").then((m) => ({ default: m.AuditPage })));

// AdminApp is the operators' console under /admin. Only an operator's
// session sees it; the services refuse every console call from any other
// token whatever this page shows.
export default function AdminApp() {
  const session = useSession();
  const location = useLocation();
  if (!session) return <Navigate to={loginPath(location)} replace />;
  if (!session.admin) return <NotOperator />;
  return (
    <Routes>
      <Route element={<AdminLayout />}>
        <Route index element={<OverviewPage />} />
        <Route path="catalog/*" element={<CatalogArea />} />
        <Route path="orders/*" element={<OrdersArea />} />
        <Route path="flash/*" element={<FlashArea />} />
        <Route path="attention" element={<AttentionPage />} />
        <Route path="audit" element={<AuditPage />} />
        <Route path="*" element={<Navigate to="/admin" replace />} />
      </Route>
    </Routes>
  );
}

function NotOperator() {
  const { t } = useTranslation("admin");
  useAdminTitle(t("common.notOperatorTitle"));
  const location = useLocation();
  return (
    <main className="admin-denied">
      <h1>{t("common.notOperatorTitle")}</h1>
      <p>{t("common.notOperator")}</p>
      <p>
        <Link className="button" to={loginPath(location)}>
          {t("common.signInAsOperator")}
        </Link>{" "}
        <Link className="button secondary" to="/">
          {t("common.toShop")}
        </Link>
      </p>
    </main>
  );
}
