// The orders step of the console journey: the operator finds the order a
// shopper paid in this run (state.paidOrderId when an earlier step left
// one; else the step's shopper buys and pays one now), ships it with a
// carrier and tracking number and marks it delivered on its page, and the
// buyer's side sees SHIPPED then DELIVERED. Then two more paid orders are
// picked in the list and shipped together from the bulk dialog.
import assert from "node:assert/strict";
import { buyNow, orderStatus, pay, until } from "../shoppers.mjs";

// A seeded product with plenty of stock.
const product = "p0026";

export async function run({ page, t, rpc, baseURL, shopper, state, pages, shot, say }) {
  const paidOrder = async () => {
    const orderId = await buyNow(rpc, shopper, product);
    await pay(rpc, shopper, orderId);
    return orderId;
  };
  const buyer = state.paidOrderBuyer ?? shopper;
  const orderId = state.paidOrderId ?? (await paidOrder());
  const carrier = "顺丰速运";
  const tracking = `SF${Date.now()}`;

  say(`orders: the operator finds order ${orderId} by its id among the paid orders`);
  await page.goto(`${baseURL}/admin/orders`);
  await page.getByRole("heading", { name: t("admin:orders.title"), exact: true }).waitFor();
  const filters = page.getByRole("form", { name: t("admin:orders.filters") });
  await filters.getByLabel(t("admin:orders.status")).selectOption("PAID");
  await filters.getByLabel(t("admin:orders.orderId")).fill(orderId);
  await filters.getByRole("button", { name: t("admin:common.search"), exact: true }).click();
  await page.waitForURL(/status=PAID/);
  const rows = page.locator("table.admin-orders tbody tr");
  await rows.first().waitFor();
  assert.equal(await rows.count(), 1, "the order id finds one order");
  await shot("orders-found");
  await rows.first().getByRole("link", { name: orderId }).click();
  await page.waitForURL(`${baseURL}/admin/orders/${orderId}`);
  pages.orders = "/admin/orders";
  pages.order = `/admin/orders/${orderId}`;

  say("orders: ship it with a carrier and tracking number");
  const ship = page.getByRole("form", { name: t("admin:orders.actions.ship") });
  await ship.getByLabel(t("admin:orders.detail.carrier")).fill(carrier);
  await ship.getByLabel(t("admin:orders.detail.tracking")).fill(tracking);
  await ship.getByRole("button", { name: t("admin:orders.actions.ship"), exact: true }).click();
  await page.locator("[data-shipping]", { hasText: tracking }).waitFor();
  await page.locator('[data-panel="workflows"] [data-saga="CHECKOUT"]').waitFor();
  await shot("order-shipped");
  await until(`the buyer sees ${orderId} shipped`, async () => (await orderStatus(rpc, buyer, orderId)) === "ORDER_STATUS_SHIPPED");
  const { order: seen } = await rpc("mall.order.v1.OrderService/GetOrder", { orderId }, buyer.token);
  assert.equal(seen.trackingNumber, tracking, "the buyer sees the tracking number");

  say("orders: mark it delivered");
  await page.getByRole("button", { name: t("admin:orders.actions.deliver"), exact: true }).click();
  await page.locator('[data-panel="actions"]', { hasText: t("admin:orders.actions.none") }).waitFor();
  await page.locator('.admin-facts [data-status="DELIVERED"]').waitFor();
  const history = page.locator(".admin-history tbody tr");
  assert.equal(await history.last().getAttribute("data-cause"), "DELIVERED", "the history ends with the delivery");
  await shot("order-delivered");
  await until(`the buyer sees ${orderId} delivered`, async () => (await orderStatus(rpc, buyer, orderId)) === "ORDER_STATUS_DELIVERED");

  say("orders: two more paid orders, picked in the list and shipped together");
  const bulk = [await paidOrder(), await paidOrder()];
  // The shopper by username: the list looks the account up.
  await page.goto(`${baseURL}/admin/orders?status=PAID&user=${encodeURIComponent(shopper.username)}`);
  for (const id of bulk) await page.getByLabel(t("admin:orders.select", { id })).check();
  await page.getByRole("button", { name: t("admin:orders.bulkShip"), exact: true }).click();
  const dialog = page.getByRole("dialog", { name: t("admin:orders.bulk.title") });
  await dialog.getByLabel(t("admin:orders.bulk.carrierForAll")).fill("中通快递");
  await dialog.getByRole("button", { name: t("admin:orders.bulk.applyCarrier"), exact: true }).click();
  for (const [i, id] of bulk.entries()) {
    await dialog.locator(`fieldset[data-order="${id}"]`).getByLabel(t("admin:orders.bulk.tracking")).fill(`ZT${Date.now()}${i}`);
  }
  await shot("orders-bulk-ship");
  await dialog.getByRole("button", { name: t("admin:orders.bulk.ship"), exact: true }).click();
  for (const id of bulk) await dialog.locator(`li[data-order="${id}"][data-outcome="SHIPPED"]`).waitFor();
  await shot("orders-bulk-shipped");
  await dialog.getByRole("button", { name: t("admin:common.close"), exact: true }).click();
  for (const id of bulk) {
    await until(`the buyer sees ${id} shipped`, async () => (await orderStatus(rpc, shopper, id)) === "ORDER_STATUS_SHIPPED");
  }
  state.shippedOrderIds = [orderId, ...bulk];
}
