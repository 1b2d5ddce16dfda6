import { useMutation, useQuery } from "@connectrpc/connect-query";
import { Trans, useTranslation } from "react-i18next";
import { Link, useLocation, useNavigate } from "react-router-dom";
import { CartService, StockStatus, type CartLine, type ListCartResponse } from "@gen/mall/cart/v1/cart_pb.js";
import { SkippedLines } from "../components/order";
import { QueryView } from "../components/QueryView";
import { ErrorBox, Price } from "../components/ui";
import { isBuyAgainNotice } from "../hooks/useBuyAgain";
import { useInvalidate } from "../hooks/useInvalidate";
import { useLang } from "../hooks/useLang";
import { useTitle } from "../hooks/useTitle";
import { money } from "../lib/format";
import { Picture } from "../components/Picture";

const buyable = (l: CartLine) => !l.offShelf && l.stockStatus !== StockStatus.OUT_OF_STOCK;

export function CartPage() {
  const { t } = useTranslation();
  useTitle(t("titles.cart"));
  const cart = useQuery(CartService.method.listCart, {});
  return (
    <QueryView
      query={cart}
      isEmpty={(d) => d.lines.length === 0}
      empty={<Trans i18nKey="cart.empty" components={{ a: <Link to="/" /> }} />}
    >
      {(d) => <CartLines cart={d} />}
    </QueryView>
  );
}

// BuyAgainDone says what "buy again" on an order put into the cart, and
// which lines it left out.
function BuyAgainDone() {
  const { t } = useTranslation();
  const state: unknown = useLocation().state;
  if (!isBuyAgainNotice(state)) return null;
  const { skipped } = state.buyAgain;
  return (
    <div className={skipped.length > 0 ? "warn-box" : "ok-box"} role="status">
      {t("buyAgain.added")}
      {skipped.length > 0 && (
        <>
          {" "}
          {t("buyAgain.someSkipped")}
          <SkippedLines skipped={skipped} />
        </>
      )}
    </div>
  );
}

function CartLines({ cart }: { cart: ListCartResponse }) {
  const { t } = useTranslation();
  const lang = useLang();
  const invalidate = useInvalidate();
  const refresh = { onSuccess: () => invalidate(CartService) };
  const update = useMutation(CartService.method.updateItem, refresh);
  const select = useMutation(CartService.method.selectItems, refresh);
  const remove = useMutation(CartService.method.removeItems, refresh);
  const navigate = useNavigate();

  const { lines, selectedCount, selectedTotalCents } = cart;
  const allSelected = lines.filter(buyable).every((l) => l.selected);
  const busy = update.isPending || select.isPending || remove.isPending;
  return (
    <div className="cart-page">
      <h1>{t("cart.title")}</h1>
      <BuyAgainDone />
      <ErrorBox error={update.error ?? select.error ?? remove.error} />
      <label className="select-all">
        <input
          type="checkbox"
          checked={allSelected}
          disabled={busy}
          onChange={() => select.mutate({ productIds: lines.filter(buyable).map((l) => l.productId), selected: !allSelected })}
        />
        {t("cart.selectAll")}
      </label>
      <ul className="cart-lines">
        {lines.map((l) => (
          <li key={l.productId} className={buyable(l) ? "" : "unavailable"} data-line={l.productId}>
            {/* The label is the checkbox's finger-sized target. */}
            <label className="line-check">
              <input
                type="checkbox"
                aria-label={t("cart.select", { title: l.title })}
                checked={l.selected}
                disabled={busy || !buyable(l)}
                onChange={() => select.mutate({ productIds: [l.productId], selected: !l.selected })}
              />
            </label>
            <Link to={`/product/${l.productId}`}>
              <Picture src={l.imageUrl} alt="" />
            </Link>
            <div className="line-body">
              <Link to={`/product/${l.productId}`} className="title" translate="no">
                {l.title}
              </Link>
              <Price cents={l.unitPriceCents} />
              {l.offShelf && <span className="warn">{t("cart.offShelf")}</span>}
              {l.stockStatus === StockStatus.OUT_OF_STOCK && <span className="warn">{t("cart.outOfStock")}</span>}
              {l.stockStatus === StockStatus.LOW_STOCK && (
                <span className="warn">{t("cart.lowStock", { n: l.availableStock.toString() })}</span>
              )}
              <div className="quantity">
                <button
                  type="button"
                  aria-label={t("common.fewer")}
                  disabled={busy || l.quantity <= 1}
                  onClick={() => update.mutate({ productId: l.productId, quantity: l.quantity - 1 })}
                >
                  −
                </button>
                <output aria-label={t("common.quantity")}>{l.quantity}</output>
                <button
                  type="button"
                  aria-label={t("common.more")}
                  disabled={busy}
                  onClick={() => update.mutate({ productId: l.productId, quantity: l.quantity + 1 })}
                >
                  +
                </button>
                <button type="button" className="link" disabled={busy} onClick={() => remove.mutate({ productIds: [l.productId] })}>
                  {t("common.remove")}
                </button>
              </div>
            </div>
            <b className="line-total">{money(l.lineTotalCents, lang)}</b>
          </li>
        ))}
      </ul>
      <div className="checkout-bar">
        <span>
          {t("cart.total", { n: selectedCount })} <b data-testid="cart-total">{money(selectedTotalCents, lang)}</b>
        </span>
        <button type="button" disabled={selectedCount === 0 || busy} onClick={() => void navigate("/checkout?from=cart")}>
          {t("cart.checkOut")}
        </button>
      </div>
    </div>
  );
}
