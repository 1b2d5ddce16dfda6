import { skipToken, useMutation, useQuery } from "@connectrpc/connect-query";
import { useState } from "react";
import { Trans, useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router-dom";
import { CartService, type ListCartResponse } from "@gen/mall/cart/v1/cart_pb.js";
import { CheckoutState, OrderService } from "@gen/mall/order/v1/order_pb.js";
import { ProductService, type Product } from "@gen/mall/product/v1/product_pb.js";
import { UserService, type Address } from "@gen/mall/user/v1/user_pb.js";
import { QueryView } from "../components/QueryView";
import { FormProblem } from "../components/ui";
import { useFetchQuery } from "../hooks/useFetchQuery";
import { useFormProblem } from "../hooks/useFormProblem";
import { useLang } from "../hooks/useLang";
import { usePayOrder } from "../hooks/usePayOrder";
import { useTitle } from "../hooks/useTitle";
import { money } from "../lib/format";
import { checkoutFailureText } from "../lib/codes";
import { newRequestId, poll } from "../lib/poll";
import { Picture } from "../components/Picture";

interface Item {
  productId: string;
  title: string;
  imageUrl: string;
  unitPriceCents: bigint;
  quantity: number;
}

function buyNowItems(p: Product | undefined, quantity: number): Item[] {
  return p ? [{ productId: p.productId, title: p.title, imageUrl: p.imageUrls[0] ?? "", unitPriceCents: p.priceCents, quantity }] : [];
}

function selectedItems(cart: ListCartResponse): Item[] {
  return cart.lines
    .filter((l) => l.selected)
    .map((l) => ({ productId: l.productId, title: l.title, imageUrl: l.imageUrl, unitPriceCents: l.unitPriceCents, quantity: l.quantity }));
}

const nothing = <Trans i18nKey="checkout.nothing" components={{ a: <Link to="/cart" /> }} />;

export function CheckoutPage() {
  const { t } = useTranslation();
  const lang = useLang();
  useTitle(t("titles.checkout"));
  const [params] = useSearchParams();
  const buyId = params.get("buy");
  const buyQty = Math.max(1, Math.min(99, Number(params.get("qty") ?? "1") || 1));
  const addresses = useQuery(UserService.method.listAddresses, {});
  const cart = useQuery(CartService.method.listCart, buyId ? skipToken : {});
  const product = useQuery(ProductService.method.getProduct, buyId ? { productId: buyId } : skipToken);
  const [chosen, setChosen] = useState<string | null>(null);
  // One id per visit to this page: a second click, or a retry after a lost
  // answer, is the same checkout.
  const [requestId] = useState(newRequestId);
  const checkout = useMutation(OrderService.method.checkout);
  const fetchQuery = useFetchQuery();
  const { payOrder, paying } = usePayOrder();
  const { problem, busy, submit, fail } = useFormProblem();

  const place = (addressId: string, items: Item[]) =>
    submit(async () => {
      const { orderId } = await checkout.mutateAsync({
        requestId,
        addressId,
        items: buyId
          ? { case: "buyNow", value: { productId: buyId, quantity: buyQty } }
          : { case: "cart", value: { productIds: items.map((i) => i.productId) } },
      });
      // The saga reserves stock and creates the order; wait for its verdict.
      const result = await poll(
        () => fetchQuery(OrderService.method.getCheckout, { orderId }),
        (r) => r.state === CheckoutState.ORDER_CREATED || r.state === CheckoutState.FAILED,
      );
      if (result.state === CheckoutState.FAILED) {
        fail(() => ({ code: undefined, message: checkoutFailureText(result.failureCode), fields: {} }));
        return;
      }
      await payOrder(orderId);
    });

  const form = (list: Address[], items: Item[]) => {
    const addressId = chosen ?? list.find((a) => a.isDefault)?.addressId ?? list[0]?.addressId ?? "";
    const total = items.reduce((sum, i) => sum + i.unitPriceCents * BigInt(i.quantity), 0n);
    return (
      <div className="checkout-page">
        <h1>{t("checkout.title")}</h1>
        <section className="panel">
          <h2>{t("common.shipTo")}</h2>
          {list.length === 0 ? (
            <p>
              <Trans i18nKey="checkout.noAddress" components={{ a: <Link to="/me/addresses?next=back" /> }} />
            </p>
          ) : (
            <ul className="address-choice">
              {list.map((a) => (
                <li key={a.addressId}>
                  <label>
                    <input
                      type="radio"
                      name="address"
                      value={a.addressId}
                      checked={a.addressId === addressId}
                      onChange={() => setChosen(a.addressId)}
                    />
                    <span translate="no">
                      <b>{a.recipientName}</b> {a.phone}
                      <br />
                      {[a.province, a.city, a.district, a.detail].filter(Boolean).join(" ")}
                    </span>
                  </label>
                </li>
              ))}
              <li>
                <Link to="/me/addresses?next=back">{t("checkout.manageAddresses")}</Link>
              </li>
            </ul>
          )}
        </section>
        <section className="panel">
          <h2>{t("common.items")}</h2>
          <ul className="order-lines">
            {items.map((i) => (
              <li key={i.productId}>
                <Picture src={i.imageUrl} alt="" />
                <span className="title" translate="no">
                  {i.title}
                </span>
                <span>
                  {money(i.unitPriceCents, lang)} × {i.quantity}
                </span>
              </li>
            ))}
          </ul>
        </section>
        <FormProblem problem={problem} />
        <div className="checkout-bar">
          <span>
            {t("common.totalColon")} <b data-testid="checkout-total">{money(total, lang)}</b>
          </span>
          <button type="button" disabled={!addressId || busy || paying} onClick={() => void place(addressId, items)}>
            {paying ? t("orderActions.openingPayment") : busy ? t("checkout.placing") : t("checkout.placeOrder")}
          </button>
        </div>
      </div>
    );
  };

  return (
    <QueryView query={addresses}>
      {({ addresses: list }) =>
        buyId ? (
          <QueryView query={product} isEmpty={(d) => !d.product} empty={nothing}>
            {(d) => form(list, buyNowItems(d.product, buyQty))}
          </QueryView>
        ) : (
          <QueryView query={cart} isEmpty={(d) => selectedItems(d).length === 0} empty={nothing}>
            {(d) => form(list, selectedItems(d))}
          </QueryView>
        )
      }
    </QueryView>
  );
}
