// The flash-sale desk: the operator schedules a sale of the catalog step's
// product (state.productId) starting now, is refused more units than the
// product has with the reason, publishes the sale, and watches its
// dashboard count what shoppers buy meanwhile through the API; one of
// them pays. Then the operator ends the sale early, after a confirmation,
// and a late shopper is refused; and changes the price of another sale
// still in preview. Leaves the sale's id in state.flashEventId.
import assert from "node:assert/strict";
import { newShopper, pay, until } from "../shoppers.mjs";

/* global document -- the functions run in the page */

const buyers = 3;

// The sale's times as the form's datetime-local inputs want them: the
// machine's wall clock, which the browser shares.
function localInput(ms) {
  const d = new Date(ms);
  const p = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

export async function run(ctx) {
  const { page, t, rpc, baseURL, adminToken, state, pages, shot, refusing, say } = ctx;
  // The catalog step's product; a demo product when this step runs alone.
  const productId = state.productId ?? "p0002";
  const { product } = await rpc("mall.product.v1.ProductService/GetProduct", { productId });
  const available = Number(product.stock ?? 0);
  assert.ok(available >= buyers + 1, `product ${productId} has ${available} units available; the sale needs ${buyers + 1}`);
  const units = Math.min(5, available);

  say(`flash: schedule a sale of ${productId} starting now`);
  const newPath = `/admin/flash/new?product=${encodeURIComponent(productId)}`;
  await page.goto(`${baseURL}${newPath}`);
  await page.getByRole("heading", { name: t("admin:flash.createTitle") }).waitFor();
  await page.locator(`[data-product="${productId}"]`).first().waitFor();
  await page.getByLabel(t("admin:flash.priceYuan")).fill("9.90");
  await page.getByLabel(t("admin:flash.startsAt")).fill(localInput(Date.now()));
  await page.getByLabel(t("admin:flash.endsAt")).fill(localInput(Date.now() + 3_600_000));
  await page.getByLabel(t("admin:flash.perUserLimit")).fill("1");

  say("flash: more units than the product has are refused with the reason");
  await page.getByLabel(t("admin:flash.unitsField")).fill(String(available + 1));
  await refusing(async () => {
    await page.getByRole("button", { name: t("admin:flash.saveCreate") }).click();
    await page.getByText(t("admin:flash.reason.NOT_ENOUGH_STOCK")).waitFor();
  });
  await shot("flash-refused-units");

  await page.getByLabel(t("admin:flash.unitsField")).fill(String(units));
  await page.getByRole("button", { name: t("admin:flash.saveCreate") }).click();
  await page.waitForURL(/\/admin\/flash\/ev-[0-9a-f]+$/);
  const eventId = new URL(page.url()).pathname.split("/").pop();
  state.flashEventId = eventId;
  await page.getByText(t("admin:flash.states.EVENT_STATE_PREVIEW"), { exact: true }).first().waitFor();

  say("flash: in preview, shoppers neither see nor buy it");
  const early = await newShopper(rpc, "flash_early");
  await assert.rejects(rpc("mall.seckill.v1.SeckillService/GetEvent", { eventId }), /404 .*not_found/);
  await assert.rejects(rpc("mall.seckill.v1.SeckillService/Purchase", { eventId }, early.token), /404 .*not_found/);
  await assert.rejects(
    rpc("mall.seckill.v1.SeckillService/GetEventDashboard", { eventId }, early.token),
    /403 .*permission_denied/,
    "a shopper's token may not read a sale's dashboard",
  );

  say("flash: publish it, after a confirmation");
  await page.getByRole("button", { name: t("admin:flash.publish"), exact: true }).click();
  const publishing = page.getByRole("dialog", { name: t("admin:flash.confirmPublishTitle") });
  await publishing.getByRole("button", { name: t("admin:flash.confirmPublishAction") }).click();
  await page.getByText(t("admin:flash.states.EVENT_STATE_LIVE"), { exact: true }).first().waitFor();
  const { event } = await rpc("mall.seckill.v1.SeckillService/GetEvent", { eventId });
  assert.equal(event.state, "EVENT_STATE_LIVE");

  say(`flash: ${buyers} shoppers buy; the dashboard counts them`);
  const shoppers = await Promise.all(Array.from({ length: buyers }, (_, i) => newShopper(rpc, `flash_buyer${i}`)));
  const orders = await Promise.all(
    shoppers.map(async (s) => {
      const { ticket } = await rpc("mall.seckill.v1.SeckillService/Purchase", { eventId }, s.token);
      return until(`the order of ticket ${ticket}`, async () => {
        const r = await rpc("mall.seckill.v1.SeckillService/GetPurchaseResult", { ticket }, s.token);
        if (r.state === "PURCHASE_STATE_FAILED") throw new Error(`purchase ${ticket} failed: ${r.failureCode}`);
        return r.state === "PURCHASE_STATE_ORDER_CREATED" ? r.orderId : null;
      });
    }),
  );
  await pay(rpc, shoppers[0], orders[0]);
  const stat = (name) => page.locator(`[data-stat="${name}"] dd`);
  const shows = async (name, text) =>
    page.waitForFunction(([n, want]) => document.querySelector(`[data-stat="${n}"] dd`)?.textContent === want, [name, text], {
      timeout: 30_000,
    });
  await shows("orders", String(buyers));
  await shows("paid", "1");
  await shows("units-left", t("admin:flash.unitsLeft", { left: String(units - buyers), total: String(units) }));
  await page.waitForFunction((n) => document.querySelector('[data-outcome="accepted"] b')?.textContent === n, String(buyers), {
    timeout: 30_000,
  });
  assert.equal(await stat("resold").textContent(), "0");
  const dashboard = await rpc("mall.seckill.v1.SeckillService/GetEventDashboard", { eventId }, adminToken);
  assert.equal(Number(dashboard.admissionsTotal?.accepted ?? 0), buyers);
  assert.equal(Number(dashboard.ordersWritten ?? 0), buyers);
  await shot("flash-dashboard");

  say("flash: end it early, after a confirmation; a late shopper is refused");
  await page.getByRole("button", { name: t("admin:flash.endEarly") }).click();
  const dialog = page.getByRole("dialog", { name: t("admin:flash.confirmEndTitle") });
  await dialog.waitFor();
  await shot("flash-confirm-end");
  await dialog.getByRole("button", { name: t("admin:flash.confirmEndAction") }).click();
  await page.getByText(t("admin:flash.states.EVENT_STATE_ENDED"), { exact: true }).first().waitFor();
  const late = await newShopper(rpc, "flash_late");
  await assert.rejects(rpc("mall.seckill.v1.SeckillService/Purchase", { eventId }, late.token), /failed_precondition/);

  say("flash: a sale in preview is changed before it goes live");
  const { event: draft } = await rpc(
    "mall.seckill.v1.SeckillService/CreateEvent",
    {
      productId,
      priceCents: "1990",
      stock: "1",
      perUserLimit: 1,
      startsAt: new Date(Date.now() + 3_600_000).toISOString(),
      endsAt: new Date(Date.now() + 7_200_000).toISOString(),
    },
    adminToken,
  );
  const editPath = `/admin/flash/${draft.eventId}/edit`;
  await page.goto(`${baseURL}${editPath}`);
  await page.getByLabel(t("admin:flash.priceYuan")).fill("15.00");
  await page.getByRole("button", { name: t("admin:flash.saveEdit") }).click();
  await page.waitForURL(new RegExp(`/admin/flash/${draft.eventId}$`));
  await page.getByText(t("admin:flash.states.EVENT_STATE_PREVIEW"), { exact: true }).first().waitFor();
  const changed = await rpc("mall.seckill.v1.SeckillService/GetEventDashboard", { eventId: draft.eventId }, adminToken);
  assert.equal(changed.event.priceCents, "1500");

  await page.goto(`${baseURL}/admin/flash`);
  await page.locator(`tr[data-event="${eventId}"]`).waitFor();
  await page.locator(`tr[data-event="${draft.eventId}"]`).waitFor();
  await shot("flash-list");
  Object.assign(pages, { flashList: "/admin/flash", flashNew: newPath, flashDashboard: `/admin/flash/${eventId}`, flashEdit: editPath });
}
