import type { OrderLine } from "@gen/mall/order/v1/order_pb.js";
import { ProductStatus, type Product } from "@gen/mall/product/v1/product_pb.js";
import { reasonOf } from "./errors";

// Why a line of an old order did not go into the cart; its words are
// buyAgain.<why>.
export type SkipWhy = "gone" | "offShelf" | "outOfStock" | "cartLimit";

export interface Skipped {
  productId: string;
  title: string;
  why: SkipWhy;
}

type Line = Pick<OrderLine, "productId" | "title" | "quantity">;

export interface BuyAgainPlan {
  add: { productId: string; quantity: number }[];
  skipped: Skipped[];
}

// A cart line holds at most this many units (AddItemRequest's rule).
const maxQuantity = 99;

// planBuyAgain decides, from the products as they are now, which lines of
// an order go into the cart and how many of each: the order's quantity, or
// what is left in stock if that is less. A product that no longer exists,
// is off the shelf or has no stock is skipped.
export function planBuyAgain(lines: Line[], products: Pick<Product, "productId" | "status" | "stock">[]): BuyAgainPlan {
  const byId = new Map(products.map((p) => [p.productId, p]));
  const plan: BuyAgainPlan = { add: [], skipped: [] };
  for (const l of lines) {
    const p = byId.get(l.productId);
    const skip = (why: SkipWhy) => plan.skipped.push({ productId: l.productId, title: l.title, why });
    if (!p) skip("gone");
    else if (p.status !== ProductStatus.ON_SALE) skip("offShelf");
    else if (p.stock <= 0n) skip("outOfStock");
    else plan.add.push({ productId: l.productId, quantity: Math.min(l.quantity, Number(p.stock), maxQuantity) });
  }
  return plan;
}

// skipOf tells a refusal of AddItem that means "this line cannot go into
// the cart" (the product changed since it was read, or the cart is full)
// from a failure to report; null for the latter.
export function skipOf(err: unknown): SkipWhy | null {
  const reason = reasonOf(err);
  switch (reason) {
    case "PRODUCT_NOT_FOUND":
      return "gone";
    case "PRODUCT_OFF_SHELF":
      return "offShelf";
    case "CART_QUANTITY_LIMIT":
    case "CART_FULL":
      return "cartLimit";
    default:
      return null;
  }
}

export interface BuyAgainResult {
  added: string[];
  skipped: Skipped[];
}

// buyAgain puts the lines of an order into the cart, one AddItem each, and
// says which were added and which skipped and why. A failure that is not
// about the line (the cart service is down) stops it and is thrown; the
// lines added before it stay in the cart, where the shopper sees them.
export async function buyAgain(
  lines: Line[],
  calls: {
    products: (ids: string[]) => Promise<Pick<Product, "productId" | "status" | "stock">[]>;
    addItem: (productId: string, quantity: number) => Promise<unknown>;
  },
): Promise<BuyAgainResult> {
  const ids = [...new Set(lines.map((l) => l.productId))];
  const plan = planBuyAgain(lines, ids.length > 0 ? await calls.products(ids) : []);
  const result: BuyAgainResult = { added: [], skipped: [...plan.skipped] };
  for (const item of plan.add) {
    try {
      await calls.addItem(item.productId, item.quantity);
      result.added.push(item.productId);
    } catch (err) {
      const why = skipOf(err);
      if (why === null) throw err;
      const title = lines.find((l) => l.productId === item.productId)?.title ?? item.productId;
      result.skipped.push({ productId: item.productId, title, why });
    }
  }
  return result;
}
