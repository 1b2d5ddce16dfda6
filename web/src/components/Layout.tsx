import { skipToken, useQuery } from "@connectrpc/connect-query";
import { useTranslation } from "react-i18next";
import { Link, NavLink, Outlet, useMatch, useNavigate, useSearchParams } from "react-router-dom";
import { CartService } from "@gen/mall/cart/v1/cart_pb.js";
import { useLang } from "../hooks/useLang";
import { useSession } from "../hooks/useSession";
import { chooseLanguage, languages } from "../lib/i18n";
import { noFilters, searchPath, searchSortOf } from "../lib/search";
import { Icon } from "./icons";
import { SearchBox } from "./SearchBox";

export function Layout() {
  const { t } = useTranslation();
  const session = useSession();
  const cart = useQuery(CartService.method.listCart, session ? {} : skipToken);
  const count = cart.data?.totalQuantity ?? 0;
  // On a phone the product page's buy bar takes the tab bar's place.
  const buyBar = useMatch("/product/:productId") !== null;
  // The box shows the search the search page shows.
  const [params] = useSearchParams();
  const shown = useMatch("/search") ? (params.get("q") ?? "") : "";
  const navigate = useNavigate();
  // A new search starts afresh: the relevance order, no filters.
  const search = (q: string) => void navigate(searchPath({ q, sort: searchSortOf(null), ...noFilters }));
  return (
    <div className={buyBar ? "app has-buy-bar" : "app"}>
      <header className="top">
        <Link to="/" className="logo">
          {t("app.name")}
        </Link>
        {/* A new search (back, forward, a link) starts the box afresh. */}
        <SearchBox key={shown} initial={shown} onSearch={search} />
        <nav className="top-links">
          <NavLink to="/rankings">{t("rankings.title")}</NavLink>
          <NavLink to="/flash">{t("layout.flashSale")}</NavLink>
          <NavLink to="/cart" className="cart-link desktop-only">
            {t("layout.cart")}
            {count > 0 && (
              <span className="badge" data-testid="cart-count">
                {count}
              </span>
            )}
          </NavLink>
          {session?.admin && (
            <NavLink to="/admin" className="desktop-only">
              {t("layout.console")}
            </NavLink>
          )}
          {session ? (
            <NavLink to="/me" className="desktop-only" translate={session.name ? "no" : undefined}>
              {session.name || t("layout.me")}
            </NavLink>
          ) : (
            <NavLink to="/login">{t("layout.signIn")}</NavLink>
          )}
          <LanguageSwitch />
        </nav>
      </header>
      <main>
        <Outlet />
      </main>
      {/* The phone's way around, as shoppers of such malls expect it; the
          header's links do this on a desktop. */}
      <nav className="tabbar" aria-label={t("layout.mainNav")}>
        <NavLink to="/" end>
          <Icon name="home" />
          {t("layout.home")}
        </NavLink>
        <NavLink to="/category">
          <Icon name="categories" />
          {t("layout.categories")}
        </NavLink>
        <NavLink to="/cart">
          <Icon name="cart" />
          {t("layout.cart")}
          {count > 0 && (
            <span className="tab-badge" data-testid="cart-count">
              {count}
            </span>
          )}
        </NavLink>
        <NavLink to="/me">
          <Icon name="me" />
          {t("layout.me")}
        </NavLink>
      </nav>
    </div>
  );
}

// LanguageSwitch offers each language in its own name; the choice is kept
// for the next visits.
export function LanguageSwitch() {
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
