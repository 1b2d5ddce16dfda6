import { create } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { skipToken, useQuery } from "@connectrpc/connect-query";
import { useMemo, useState } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { CartService } from "@gen/mall/cart/v1/cart_pb.js";
import { CheckoutRequestSchema, CheckoutState, OrderService } from "@gen/mall/order/v1/order_pb.js";
import { ProductService } from "@gen/mall/product/v1/product_pb.js";
import { UserService } from "@gen/mall/user/v1/user_pb.js";
import { Empty, ErrorBox, FormProblem, Loading } from "../components/ui";
import { transport } from "../lib/api";
import { problemOf, type Problem } from "../lib/errors";
import { money } from "../lib/format";
import { newRequestId, poll } from "../lib/poll";
import { payOrder } from "./pay";

type Item = { productId: string; title: string; imageUrl: string; unitPriceCents: bigint; quantity: number };

const orders = createClient(OrderService, transport);

export function CheckoutPage() {
  const [params] = useSearchParams();
  const buyId = params.get("buy");
  const buyQty = Math.max(1, Math.min(99, Number(params.get("qty") ?? "1") || 1));
  const addresses = useQuery(UserService.method.listAddresses, {});
  const cart = useQuery(CartService.method.listCart, buyId ? skipToken : {});
  const product = useQuery(ProductService.method.getProduct, buyId ? { productId: buyId } : skipToken);
  const [chosen, setChosen] = useState<string | null>(null);
  // One id per visit to this page: a second click, or a retry after a lost
  // answer, is the same checkout.
  const requestId = useMemo(() => newRequestId(), []);
  const [step, setStep] = useState<"idle" | "placing" | "paying">("idle");
  const [problem, setProblem] = useState<Problem | null>(null);

  const items: Item[] = useMemo(() => {
    if (buyId) {
      const p = product.data?.product;
      return p
        ? [{ productId: p.productId, title: p.title, imageUrl: p.imageUrls[0] ?? "", unitPriceCents: p.priceCents, quantity: buyQty }]
        : [];
    }
    return (cart.data?.lines ?? [])
      .filter((l) => l.selected)
      .map((l) => ({ productId: l.productId, title: l.title, imageUrl: l.imageUrl, unitPriceCents: l.unitPriceCents, quantity: l.quantity }));
  }, [buyId, buyQty, product.data, cart.data]);

  const loading = addresses.isPending || (buyId ? product.isPending : cart.isPending);
  const failed = addresses.error ?? (buyId ? product.error : cart.error);
  if (loading) return <Loading />;
  if (failed) return <ErrorBox error={failed} />;
  const list = addresses.data?.addresses ?? [];
  const addressId = chosen ?? list.find((a) => a.isDefault)?.addressId ?? list[0]?.addressId ?? "";
  const total = items.reduce((sum, i) => sum + i.unitPriceCents * BigInt(i.quantity), 0n);
  if (items.length === 0) {
    return (
      <Empty>
        Nothing to check out. <Link to="/cart">Back to the cart</Link>
      </Empty>
    );
  }

  const place = async () => {
    setProblem(null);
    setStep("placing");
    try {
      const req = create(CheckoutRequestSchema, {
        requestId,
        addressId,
        items: buyId
          ? { case: "buyNow", value: { productId: buyId, quantity: buyQty } }
          : { case: "cart", value: { productIds: items.map((i) => i.productId) } },
      });
      const { orderId } = await orders.checkout(req);
      // The saga reserves stock and creates the order; wait for its verdict.
      const result = await poll(
        () => orders.getCheckout({ orderId }),
        (r) => r.state === CheckoutState.ORDER_CREATED || r.state === CheckoutState.FAILED,
      );
      if (result.state === CheckoutState.FAILED) {
        setProblem({ code: undefined, message: result.failureReason || "The order could not be placed.", fields: {} });
        setStep("idle");
        return;
      }
      setStep("paying");
      await payOrder(orderId);
    } catch (err) {
      setProblem(problemOf(err));
      setStep("idle");
    }
  };

  return (
    <div className="checkout-page">
      <h1>Checkout</h1>
      <section className="panel">
        <h2>Ship to</h2>
        {list.length === 0 ? (
          <p>
            You have no address yet. <Link to="/me/addresses?next=back">Add an address</Link>
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
                  <span>
                    <b>{a.recipientName}</b> {a.phone}
                    <br />
                    {[a.province, a.city, a.district, a.detail].filter(Boolean).join(" ")}
                  </span>
                </label>
              </li>
            ))}
            <li>
              <Link to="/me/addresses?next=back">Manage addresses</Link>
            </li>
          </ul>
        )}
      </section>
      <section className="panel">
        <h2>Items</h2>
        <ul className="order-lines">
          {items.map((i) => (
            <li key={i.productId}>
              <img src={i.imageUrl} alt="" />
              <span className="title">{i.title}</span>
              <span>
                {money(i.unitPriceCents)} × {i.quantity}
              </span>
            </li>
          ))}
        </ul>
      </section>
      <FormProblem problem={problem} />
      <div className="checkout-bar">
        <span>
          Total: <b data-testid="checkout-total">{money(total)}</b>
        </span>
        <button type="button" disabled={!addressId || step !== "idle"} onClick={() => void place()}>
          {step === "placing" ? "Placing order…" : step === "paying" ? "Opening payment…" : "Place order and pay"}
        </button>
      </div>
    </div>
  );
}
