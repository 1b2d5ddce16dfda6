import { useMutation } from "@connectrpc/connect-query";
import { useState } from "react";
import { useNavigate } from "react-router-dom";
import { CartService } from "@gen/mall/cart/v1/cart_pb.js";
import type { Order } from "@gen/mall/order/v1/order_pb.js";
import { ProductService } from "@gen/mall/product/v1/product_pb.js";
import { buyAgain, type Skipped } from "../lib/buyAgain";
import { useFetchQuery } from "./useFetchQuery";
import { useInvalidate } from "./useInvalidate";

// What the cart page is told after "buy again" (its location state).
export interface BuyAgainNotice {
  added: number;
  skipped: Skipped[];
}

export function isBuyAgainNotice(state: unknown): state is { buyAgain: BuyAgainNotice } {
  const n = (state as { buyAgain?: Partial<BuyAgainNotice> } | null)?.buyAgain;
  return typeof n?.added === "number" && Array.isArray(n.skipped);
}

// useBuyAgain puts an order's lines into the cart and opens it, telling it
// what was skipped; when nothing could be added it stays, with `skipped`
// saying why. A failure is thrown to the caller's form.
export function useBuyAgain() {
  const fetchQuery = useFetchQuery();
  const addItem = useMutation(CartService.method.addItem);
  const invalidate = useInvalidate();
  const navigate = useNavigate();
  const [skipped, setSkipped] = useState<Skipped[] | null>(null);
  const run = async (order: Pick<Order, "lines">) => {
    setSkipped(null);
    try {
      const result = await buyAgain(order.lines, {
        products: async (productIds) => (await fetchQuery(ProductService.method.batchGetProducts, { productIds })).products,
        addItem: (productId, quantity) => addItem.mutateAsync({ productId, quantity }),
      });
      if (result.added.length === 0) {
        setSkipped(result.skipped);
        return;
      }
      const notice: BuyAgainNotice = { added: result.added.length, skipped: result.skipped };
      void navigate("/cart", { state: { buyAgain: notice } });
    } finally {
      await invalidate(CartService);
    }
  };
  return { buyAgain: run, skipped };
}
