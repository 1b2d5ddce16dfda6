// The attention list and the audit log: two of a shopper's refunds are refused
// by the payment simulator (asked to refuse the next two), both show on
// /admin/attention; the operator retries one once the provider accepts
// again (the order ends REFUNDED) and marks the other handled with a note;
// /admin/audit lists both actions, and the retry's details show what it
// changed.
import assert from "node:assert/strict";
import { buyNow, pay, until } from "../shoppers.mjs";

// The simulator's API key in development mode (config.DevProviderAPIKey).
const devProviderKey = "sk_dev_mall";

// A product of the seed catalog with stock to spare.
const productId = "p0011";

// providerOf is the payment simulator's base URL, from a charge's pay page.
async function providerOf(rpc, shopper, orderId) {
  const { payment } = await rpc("mall.pay.v1.PayService/GetPayment", { orderId }, shopper.token);
  return new URL(payment.payUrl).origin;
}

async function refundState(rpc, shopper, orderId) {
  const { order } = await rpc("mall.order.v1.OrderService/GetOrder", { orderId }, shopper.token);
  return { status: order.status, refund: order.refundState };
}

export async function run({ page, t, rpc, baseURL, shopper, shot, pages, say }) {
  say("attention: two paid orders whose refunds the payment provider refuses");
  const orders = [];
  for (let i = 0; i < 2; i++) {
    const orderId = await buyNow(rpc, shopper, productId);
    await pay(rpc, shopper, orderId);
    orders.push(orderId);
  }
  const provider = await providerOf(rpc, shopper, orders[0]);
  const r = await fetch(`${provider}/v1/simulator/refund-refusals`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${devProviderKey}` },
    body: JSON.stringify({ next: 2 }),
  });
  assert.equal(r.status, 200, `the simulator refuses the next refunds: ${await r.text()}`);
  for (const orderId of orders) {
    await rpc("mall.order.v1.OrderService/CancelOrder", { orderId, reason: "changed my mind" }, shopper.token);
    await until(`the refund of ${orderId} refused`, async () => (await refundState(rpc, shopper, orderId)).refund === "REFUND_STATE_REFUSED");
  }
  const [retried, handled] = orders;

  say("attention: both are on /admin/attention with a link to Temporal");
  pages.attention = "/admin/attention";
  await page.goto(`${baseURL}/admin/attention`);
  await page.getByRole("heading", { name: t("admin:attention.title") }).waitFor();
  const row = (orderId) => page.locator("tr", { has: page.getByRole("link", { name: orderId, exact: true }) });
  for (const orderId of orders) {
    await row(orderId).waitFor();
    assert.equal(await row(orderId).getByText(t("admin:attention.kinds.REFUND_REFUSED")).count(), 1);
    const temporal = await row(orderId).getByRole("link", { name: t("admin:common.temporal") }).getAttribute("href");
    assert.match(temporal, new RegExp(`/namespaces/default/workflows/cancel-${orderId}/[^/]+/history$`));
  }
  await shot("attention-refused-refunds");

  say("attention: the operator retries one; the provider accepts and the order is refunded");
  await row(retried).getByRole("button", { name: t("admin:attention.retry"), exact: true }).click();
  await until(`order ${retried} refunded`, async () => (await refundState(rpc, shopper, retried)).status === "ORDER_STATUS_REFUNDED");
  await row(retried).waitFor({ state: "detached", timeout: 30_000 });

  say("attention: the operator marks the other handled with a note");
  const other = row(handled);
  await other.getByRole("button", { name: t("admin:attention.markHandled"), exact: true }).click();
  await other.getByLabel(t("admin:attention.note")).fill("已通过银行转账退款");
  await other.getByRole("button", { name: t("admin:attention.markHandled"), exact: true }).click();
  await other.waitFor({ state: "detached" });
  await page.getByLabel(t("admin:attention.showHandled")).check();
  await row(handled).getByText(t("admin:attention.handledBy", { who: "admin", note: "已通过银行转账退款" })).waitFor();
  await shot("attention-handled");

  say("audit: both actions are on /admin/audit; the retry shows what it changed");
  pages.audit = "/admin/audit";
  await page.goto(`${baseURL}/admin/audit`);
  await page.getByRole("heading", { name: t("admin:audit.title") }).waitFor();
  await page.getByLabel(t("admin:audit.target")).fill(retried);
  await page.getByRole("button", { name: t("admin:common.search"), exact: true }).click();
  // The log words the action and the target's kind in the page's language.
  const order = t("admin:audit.targetKind.order");
  const entry = page.locator("tr", { hasText: t("admin:audit.actionName.RetryAttention") }).filter({ hasText: `${order} ${retried}` });
  await entry.waitFor();
  assert.equal(await entry.getByText(t("admin:audit.ok"), { exact: true }).count(), 1);
  await entry.getByRole("button", { name: t("admin:audit.details"), exact: true }).click();
  const details = page.locator("tr.audit-details");
  await details.getByText("REFUND_STATE_REQUESTED").first().waitFor();
  await shot("audit-retry-details");
  await page.getByLabel(t("admin:audit.target")).fill(handled);
  await page.getByRole("button", { name: t("admin:common.search"), exact: true }).click();
  await page
    .locator("tr", { hasText: t("admin:audit.actionName.MarkAttentionHandled") })
    .filter({ hasText: `${order} ${handled}` })
    .waitFor();
}
