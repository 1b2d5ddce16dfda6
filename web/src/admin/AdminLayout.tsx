import { useMutation } from "@connectrpc/connect-query";
import { Suspense } from "react";
import { useTranslation } from "react-i18next";
import { Link, NavLink, Outlet, useNavigate } from "react-router-dom";
import { UserService } from "@gen/mall/user/v1/user_pb.js";
import { LanguageSwitch } from "../components/Layout";
import { Loading } from "../components/ui";
import { useSession } from "../hooks/useSession";
import { saveSession } from "../lib/session";

// The console's areas, in the order of the navigation.
export const areas = [
  { path: "orders", key: "orders" },
  { path: "catalog", key: "catalog" },
  { path: "flash", key: "flash" },
  { path: "attention", key: "attention" },
  { path: "audit", key: "audit" },
] as const;

// AdminLayout frames every console page: a bar with the operator and the
// way back to the shop, the areas beside the page on a laptop and above it
// on a tablet.
export function AdminLayout() {
  const { t } = useTranslation("admin");
  const session = useSession();
  const navigate = useNavigate();
  const logout = useMutation(UserService.method.logout, {
    // Signed out here even when the call fails: the token is forgotten.
    onSettled: () => {
      saveSession(null);
      void navigate("/login?next=%2Fadmin", { replace: true });
    },
  });
  return (
    <div className="admin">
      <header className="admin-bar">
        <Link to="/admin" className="admin-logo">
          {t("common.console")}
        </Link>
        <span className="admin-who" translate="no">
          {session?.name}
        </span>
        <Link to="/" className="admin-shop">
          {t("common.toShop")}
        </Link>
        <LanguageSwitch />
        <button type="button" className="secondary" onClick={() => logout.mutate({})}>
          {t("common.signOut")}
        </button>
      </header>
      <nav className="admin-nav" aria-label={t("common.nav")}>
        <NavLink to="/admin" end>
          {t("common.overview")}
        </NavLink>
        {areas.map((a) => (
          <NavLink key={a.path} to={`/admin/${a.path}`}>
            {t(`common.${a.key}`)}
          </NavLink>
        ))}
      </nav>
      <main className="admin-main">
        <Suspense fallback={<Loading />}>
          <Outlet />
        </Suspense>
      </main>
    </div>
  );
}
