import { skipToken, useQuery } from "@connectrpc/connect-query";
import { useState, type SubmitEvent } from "react";
import { Link, NavLink, Outlet, useNavigate, useSearchParams } from "react-router-dom";
import { CartService } from "@gen/mall/cart/v1/cart_pb.js";
import { useSession } from "../hooks/useSession";

export function Layout() {
  const session = useSession();
  const cart = useQuery(CartService.method.listCart, session ? {} : skipToken);
  const count = cart.data?.totalQuantity ?? 0;
  return (
    <div className="app">
      <header className="top">
        <Link to="/" className="logo">
          Mall
        </Link>
        <SearchBox />
        <nav className="top-links">
          <NavLink to="/cart" className="cart-link">
            Cart{count > 0 && <span className="badge" data-testid="cart-count">{count}</span>}
          </NavLink>
          {session ? <NavLink to="/me">{session.name || "Me"}</NavLink> : <NavLink to="/login">Sign in</NavLink>}
        </nav>
      </header>
      <main>
        <Outlet />
      </main>
      <nav className="tabbar" aria-label="Main">
        <NavLink to="/" end>
          Home
        </NavLink>
        <NavLink to="/category">Categories</NavLink>
        <NavLink to="/flash">Flash sale</NavLink>
        <NavLink to="/cart">Cart</NavLink>
        <NavLink to="/orders">Orders</NavLink>
        <NavLink to="/me">Me</NavLink>
      </nav>
    </div>
  );
}

function SearchBox() {
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
        placeholder="Search products"
        aria-label="Search products"
        value={q}
        onChange={(e) => setQ(e.target.value)}
        maxLength={100}
      />
      <button type="submit">Search</button>
    </form>
  );
}
