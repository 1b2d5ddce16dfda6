import { useMutation, useQuery } from "@connectrpc/connect-query";
import { Link, useNavigate } from "react-router-dom";
import { CartService, StockStatus, type CartLine, type ListCartResponse } from "@gen/mall/cart/v1/cart_pb.js";
import { QueryView } from "../components/QueryView";
import { ErrorBox, Price } from "../components/ui";
import { useInvalidate } from "../hooks/useInvalidate";
import { money } from "../lib/format";
import { Picture } from "../components/Picture";

const buyable = (l: CartLine) => !l.offShelf && l.stockStatus !== StockStatus.OUT_OF_STOCK;

export function CartPage() {
  const cart = useQuery(CartService.method.listCart, {});
  return (
    <QueryView
      query={cart}
      isEmpty={(d) => d.lines.length === 0}
      empty={
        <>
          Your cart is empty. <Link to="/">Go shopping</Link>
        </>
      }
    >
      {(d) => <CartLines cart={d} />}
    </QueryView>
  );
}

function CartLines({ cart }: { cart: ListCartResponse }) {
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
      <h1>Cart</h1>
      <ErrorBox error={update.error ?? select.error ?? remove.error} />
      <label className="select-all">
        <input
          type="checkbox"
          checked={allSelected}
          disabled={busy}
          onChange={() => select.mutate({ productIds: lines.filter(buyable).map((l) => l.productId), selected: !allSelected })}
        />
        Select all
      </label>
      <ul className="cart-lines">
        {lines.map((l) => (
          <li key={l.productId} className={buyable(l) ? "" : "unavailable"} data-line={l.productId}>
            <input
              type="checkbox"
              aria-label={`Select ${l.title}`}
              checked={l.selected}
              disabled={busy || !buyable(l)}
              onChange={() => select.mutate({ productIds: [l.productId], selected: !l.selected })}
            />
            <Link to={`/product/${l.productId}`}>
              <Picture src={l.imageUrl} alt="" />
            </Link>
            <div className="line-body">
              <Link to={`/product/${l.productId}`} className="title">
                {l.title}
              </Link>
              <Price cents={l.unitPriceCents} />
              {l.offShelf && <span className="warn">No longer sold</span>}
              {l.stockStatus === StockStatus.OUT_OF_STOCK && <span className="warn">Out of stock</span>}
              {l.stockStatus === StockStatus.LOW_STOCK && <span className="warn">Only {l.availableStock.toString()} left</span>}
              <div className="quantity">
                <button
                  type="button"
                  aria-label="Fewer"
                  disabled={busy || l.quantity <= 1}
                  onClick={() => update.mutate({ productId: l.productId, quantity: l.quantity - 1 })}
                >
                  −
                </button>
                <output aria-label="Quantity">{l.quantity}</output>
                <button
                  type="button"
                  aria-label="More"
                  disabled={busy}
                  onClick={() => update.mutate({ productId: l.productId, quantity: l.quantity + 1 })}
                >
                  +
                </button>
                <button type="button" className="link" disabled={busy} onClick={() => remove.mutate({ productIds: [l.productId] })}>
                  Remove
                </button>
              </div>
            </div>
            <b className="line-total">{money(l.lineTotalCents)}</b>
          </li>
        ))}
      </ul>
      <div className="checkout-bar">
        <span>
          Total ({selectedCount} selected): <b data-testid="cart-total">{money(selectedTotalCents)}</b>
        </span>
        <button type="button" disabled={selectedCount === 0 || busy} onClick={() => void navigate("/checkout?from=cart")}>
          Check out
        </button>
      </div>
    </div>
  );
}
