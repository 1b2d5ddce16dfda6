import { skipToken, useQuery } from "@connectrpc/connect-query";
import { useState, type SubmitEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, NavLink, Outlet, useNavigate, useSearchParams } from "react-router-dom";
import { CartService } from "@gen/mall/cart/v1/cart_pb.js";
import { useLang } from "../hooks/useLang";
import { useSession } from "../hooks/useSession";
import { chooseLanguage, languages } from "../lib/i18n";

export function Layout() {
  const { t } = useTranslation();
  const session = useSession();
  const cart = useQuery(CartService.method.listCart, session ? {} : skipToken);
  const count = cart.data?.totalQuantity ?? 0;
  return (
    <div className="app">
      <header className="top">
        <Link to="/" className="logo">
          {t("app.name")}
        </Link>
        <SearchBox />
        <nav className="top-links">
          <NavLink to="/rankings">{t("rankings.title")}</NavLink>
          <NavLink to="/cart" className="cart-link">
            {t("layout.cart")}
            {count > 0 && (
              <span className="badge" data-testid="cart-count">
                {count}
              </span>
            )}
          </NavLink>
          {session ? <NavLink to="/me">{session.name || t("layout.me")}</NavLink> : <NavLink to="/login">{t("layout.signIn")}</NavLink>}
          <LanguageSwitch />
        </nav>
      </header>
      <main>
        <Outlet />
      </main>
      <nav className="tabbar" aria-label={t("layout.mainNav")}>
        <NavLink to="/" end>
          {t("layout.home")}
        </NavLink>
        <NavLink to="/category">{t("layout.categories")}</NavLink>
        <NavLink to="/flash">{t("layout.flashSale")}</NavLink>
        <NavLink to="/cart">{t("layout.cart")}</NavLink>
        <NavLink to="/orders">{t("layout.orders")}</NavLink>
        <NavLink to="/me">{t("layout.me")}</NavLink>
      </nav>
    </div>
  );
}

// LanguageSwitch offers each language in its own name; the choice is kept
// for the next visits.
function LanguageSwitch() {
  const { t } = useTranslation();
  const lang = useLang();
  return (
    <select
      className="language"
      aria-label={t("layout.language")}
      value={lang}
      onChange={(e) => {
        const chosen = languages.find((l) => l.code === e.target.value);
        if (chosen) void chooseLanguage(chosen.code);
      }}
    >
      {languages.map((l) => (
        <option key={l.code} value={l.code} lang={l.code}>
          {l.name}
        </option>
      ))}
    </select>
  );
}

function SearchBox() {
  const { t } = useTranslation();
  const [params] = useSearchParams();
  const [q, setQ] = useState(params.get("q") ?? "");
  const navigate = useNavigate();
  const submit = (e: SubmitEvent) => {
    e.preventDefault();
    const keyword = q.trim();
    if (keyword) void navigate(`/search?q=${encodeURIComponent(keyword)}`);
  };
  return (
    <form className="search" role="search" onSubmit={submit}>
      <input
        type="search"
        name="q"
        placeholder={t("layout.searchPlaceholder")}
        aria-label={t("layout.searchPlaceholder")}
        value={q}
        onChange={(e) => setQ(e.target.value)}
        maxLength={100}
      />
      <button type="submit">{t("layout.search")}</button>
    </form>
  );
}
