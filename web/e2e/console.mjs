// The operators' console in the browser: Debian's Chromium driven by
// playwright-core against the whole system started here (or the one at
// MALL_E2E_URL). A shopper who opens /admin is turned away; the demo
// operator signs in and lands in the console. Then each area's steps run
// in the order of a shop's day (e2e/console/<area>.mjs, sharing `state`):
// the catalog gets a product with a picture and a banner, a flash sale is
// scheduled on it and its dashboard counts shoppers' purchases, orders are
// shipped and delivered, and an item of the attention list is resolved.
//
// Then every console page is opened on a laptop (1280×800, zh-CN;
// screenshots in e2e/artifacts/console/pages-zh-CN-1280) and on a tablet
// (820×1180, touch, English): none is wider than the screen, logs an error
// or, on the tablet, has a target under 44 px; and in the cimode
// pseudo-language none shows untranslated text.
import assert from "node:assert/strict";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { assertTitle, launchBrowser, progressLog, rpcClient, watch } from "./browser.mjs";
import { checkLayouts } from "./layout.mjs";
import { newShopper } from "./shoppers.mjs";
import { startSystem } from "./system.mjs";
import { texts } from "./texts.mjs";
import { checkTranslations } from "./untranslated.mjs";

const artifacts = join(import.meta.dirname, "artifacts", "console");
rmSync(artifacts, { recursive: true, force: true });
mkdirSync(artifacts, { recursive: true });

// The areas' steps, in the order they build on each other.
const steps = ["catalog", "flash", "orders", "attention"];

const layouts = [
  { name: "zh-CN-1280", lang: "zh-CN", width: 1280, height: 800, phone: false, shots: true },
  { name: "en-820", lang: "en", width: 820, height: 1180, phone: true, shots: true },
];

// The browser first: if it cannot start, no system is left running.
const browser = await launchBrowser();
const system = process.env.MALL_E2E_URL
  ? { baseURL: process.env.MALL_E2E_URL, stop: async () => {} }
  : await startSystem({ artifacts });
const { baseURL } = system;
const rpc = rpcClient(baseURL);
const progress = progressLog("console");
const lang = "zh-CN";
const t = await texts(lang);

/* global document -- the functions run in the page */

async function operate(page, problems) {
  const refusing = watch(page, problems, () => page.url());
  let shots = 0;
  // shot saves what the operator sees and checks that it fits the screen.
  async function shot(name) {
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    if (wide > 1280) problems.push(`${page.url()} is ${wide} px wide`);
    await page.screenshot({ path: join(artifacts, `${String(++shots).padStart(2, "0")}-${name}.png`), fullPage: true });
  }
  // Console pages the layout and translation checks open afterwards,
  // by name.
  const pages = { overview: "/admin" };

  progress("a shopper who opens /admin is turned away, and the services refuse the shopper's token");
  const shopper = await newShopper(rpc, "console_shopper");
  await page.goto(`${baseURL}/login?next=${encodeURIComponent("/admin")}`);
  await page.getByLabel(t("login.identity")).fill(shopper.username);
  await page.getByLabel(t("login.password")).fill("secret-pass-123");
  await page.getByRole("button", { name: t("login.submit"), exact: true }).click();
  await page.getByRole("heading", { name: t("admin:common.notOperatorTitle") }).waitFor();
  await shot("shopper-turned-away");
  await assert.rejects(
    rpc("mall.order.v1.OrderService/AdminListOrders", {}, shopper.token),
    /403 .*permission_denied/,
    "a shopper's token may not list every user's orders",
  );

  progress("the operator signs in and lands in the console");
  await page.evaluate(() => localStorage.clear());
  await page.goto(`${baseURL}/login`);
  await page.getByLabel(t("login.identity")).fill("admin");
  await page.getByLabel(t("login.password")).fill("admin-dev-123");
  await page.getByRole("button", { name: t("login.submit"), exact: true }).click();
  await page.waitForURL(/\/admin$/);
  await page.getByRole("heading", { name: t("admin:common.console") }).waitFor();
  await assertTitle(page, t("admin:common.title", { page: t("admin:common.overview") }));
  await shot("overview");
  const admin = await rpc("mall.user.v1.UserService/Login", { login: "admin", password: "admin-dev-123" });

  // What each area's step gets: the operator's page (zh-CN, 1280×800),
  // the texts (t("admin:orders.title"), t("login.title")), the API (rpc
  // with the operator's or a shopper's token; e2e/shoppers.mjs registers,
  // buys and pays as shoppers), state shared between the steps, pages to
  // add the step's console pages to ({name: path}) for the layout and
  // translation checks, shot(name) for a screenshot, refusing(fn) around a
  // refusal the step provokes on purpose, and say(what) for the log.
  const ctx = {
    page,
    t,
    rpc,
    baseURL,
    adminToken: admin.accessToken,
    shopper,
    state: {},
    pages,
    shot,
    refusing,
    say: progress,
  };
  for (const step of steps) {
    const { run } = await import(`./console/${step}.mjs`);
    await run(ctx);
  }
  return { storageState: await page.context().storageState(), pages };
}

let failed = false;
try {
  const problems = [];
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: lang });
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();
  let result;
  try {
    result = await operate(page, problems);
  } catch (err) {
    await page.screenshot({ path: join(artifacts, "failure.png"), fullPage: true }).catch(() => {});
    throw new Error(`console at ${page.url()}`, { cause: err });
  } finally {
    await context.close();
  }
  const { storageState, pages } = result;

  progress("every console page on a laptop and a tablet");
  problems.push(...(await checkLayouts({ browser, storageState, baseURL, paths: pages, layouts, artifacts })));

  progress("no untranslated text: in cimode every text of the console shows as its key");
  problems.push(
    ...(await checkTranslations({ browser, storageState, baseURL, paths: pages, rendered: () => document.title === "common.title" })),
  );

  assert.deepEqual(problems, [], "every console page fits its screen, is translated and logs no error");
  progress(`passed; screenshots in ${artifacts}`);
} catch (err) {
  failed = true;
  console.error("console: FAILED\n", err);
} finally {
  await browser.close();
  await system.stop();
}
process.exit(failed ? 1 : 0);
