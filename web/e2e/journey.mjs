// The browser journey through the storefront, in Debian's Chromium driven by
// playwright-core, against the whole system started here (or the one at
// MALL_E2E_URL). It runs four times: in Chinese and in English, on a phone
// (390×844, touch) and on a laptop (1280×800). Each time a new shopper
// registers (after a refused form), searches (suggestions, hot searches,
// counted, sorted by price, filtered, the no-result fallback), opens a
// product, adds it to the cart, checks out, pays on the payment
// simulator's page, sees the order paid, and once an admin has shipped and
// delivered it writes a review with a picture; a flash-sale purchase shows
// its result, the order tabs count, and the flash order, paid and
// cancelled, is refunded on the after-sale tab; a second shopper sees none
// of the first one's orders. Buttons and texts are found by the shop's
// own locale files (texts.mjs), so a text shown in the wrong language fails
// the step that looks for it.
//
// Every page must fit its screen (document.documentElement.scrollWidth no
// more than the width set), log no error to the console and throw nothing.
// Then every page is checked at 360, 390 and 414 px and on the laptop, in
// both languages (layout.mjs), and pages in the cimode pseudo-language
// show no untranslated text. Screenshots go to e2e/artifacts/<run>/.
import assert from "node:assert/strict";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { assertTitle, launchBrowser, progressLog, rpcClient, watch } from "./browser.mjs";
import { checkLayouts, layouts } from "./layout.mjs";
import { startSystem } from "./system.mjs";
import { texts } from "./texts.mjs";
import { checkTranslations } from "./untranslated.mjs";

const artifacts = join(import.meta.dirname, "artifacts");
// The review's picture: a WebP the catalog ships.
const picture = join(import.meta.dirname, "../../services/product/pictures/1f375.webp");
rmSync(artifacts, { recursive: true, force: true });
mkdirSync(artifacts, { recursive: true });

// E2E_RUNS=zh-CN-390 (a comma-separated list) runs only those, while
// working on a page; `make test` runs all.
const runs = [
  { name: "zh-CN-390", lang: "zh-CN", width: 390, height: 844, phone: true },
  { name: "en-1280", lang: "en", width: 1280, height: 800, phone: false },
  { name: "zh-CN-1280", lang: "zh-CN", width: 1280, height: 800, phone: false },
  { name: "en-390", lang: "en", width: 390, height: 844, phone: true },
].filter((run) => !process.env.E2E_RUNS || process.env.E2E_RUNS.split(",").includes(run.name));

// The browser first: if it cannot start, no system is left running.
const browser = await launchBrowser();
const system = process.env.MALL_E2E_URL
  ? { baseURL: process.env.MALL_E2E_URL, stop: async () => {} }
  : await startSystem({ artifacts });
const { baseURL } = system;

// rpc calls the API as a client other than the browser (the admin's
// shipping desk).
const rpc = rpcClient(baseURL);
const progress = progressLog("e2e");

// plain is a text without its markup (<a>…</a> around a link), as the page
// shows it; linkOf is the text of its link.
const plain = (text) => text.replace(/<\/?\w+>/g, "");
const linkOf = (text) => /<a>(.*?)<\/a>/.exec(text)?.[1] ?? assert.fail(`no link in ${text}`);
// shaped matches a text whatever its {{placeholders}} hold.
const shaped = (text) =>
  new RegExp(`^${text.split(/\{\{\w+\}\}/).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join(".+")}$`);

/* global document -- the functions run in the page */

async function journey(run, problems) {
  const context = await browser.newContext({
    viewport: { width: run.width, height: run.height },
    locale: run.lang,
    ...(run.phone ? { isMobile: true, hasTouch: true, deviceScaleFactor: 3 } : {}),
  });
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();
  try {
    return await shop(run, page, problems);
  } catch (err) {
    await page.screenshot({ path: join(artifacts, `failure-${run.name}.png`), fullPage: true }).catch(() => {});
    throw new Error(`${run.name} at ${page.url()}`, { cause: err });
  } finally {
    await context.close();
  }
}

async function shop(run, page, problems) {
  const t = await texts(run.lang);
  const title = (name) => `${name} - ${t("app.name")}`;
  const dir = join(artifacts, run.name);
  mkdirSync(dir, { recursive: true });
  const refusing = watch(page, problems, () => `${run.name} ${page.url()}`);

  // shot saves what the shopper sees and checks that it fits the screen.
  let step = 0;
  async function shot(name) {
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    if (wide > run.width) problems.push(`${run.name} ${page.url()} is ${wide} px wide`);
    await page.screenshot({ path: join(dir, `${String(++step).padStart(2, "0")}-${name}.png`), fullPage: true });
  }
  // The shopper's own page: the tab bar's "me" on a phone, the header's
  // link with the shopper's name on a laptop.
  async function openMe(name) {
    if (run.phone) await page.locator("nav.tabbar").getByRole("link", { name: t("layout.me"), exact: true }).click();
    else await page.locator("header").getByRole("link", { name }).click();
    await page.getByRole("button", { name: t("profile.signOut") }).waitFor();
  }
  const say = (what) => progress(`${run.name}: ${what}`);

  const user = `e2e_${Date.now().toString(36)}`;
  const nickname = "E2E Shopper";
  const password = "secret-pass-123";

  say("home: banners, flash-sale entry, rankings, recommendations from the services");
  await page.goto(baseURL);
  await page.locator(".carousel img").first().waitFor();
  await page.getByRole("heading", { name: t("home.topSellers") }).waitFor();
  // Right after the start a part may miss its deadline; the page asks again.
  await page.locator(".ranking li").first().waitFor();
  await page.locator(".grid .product-card").first().waitFor();
  assert.equal(await page.locator("html").getAttribute("lang"), run.lang, "the page says which language it is in");
  await assertTitle(page, t("app.name"));
  assert.ok((await page.locator(".ranking li").count()) > 0, "the ranking lists products");
  assert.ok((await page.locator(".grid .product-card").count()) > 0, "recommendations are shown");
  assert.ok((await page.locator(".shortcut").count()) >= 8, "category shortcuts are shown");
  await page.locator(".flash-entry .countdown").first().waitFor();
  assert.equal(await page.locator("nav.tabbar").isVisible(), run.phone, "the tab bar is a phone's way around");
  await shot("home");

  say("category: products of a category, sorted by price");
  await page.locator(".shortcut").first().click();
  await page.waitForURL(/\/category\/c01/);
  await page.locator(".grid .product-card").first().waitFor();
  await page.getByRole("tab", { name: t("category.priceAsc") }).click();
  await page.waitForURL(/sort=price-asc/);
  await shot("category");

  say("register: an invalid form shows the services' field errors");
  await page.goto(`${baseURL}/register`);
  await page.getByLabel(t("register.identity")).fill("ab");
  await page.getByLabel(t("register.password")).fill("abc1");
  await refusing(async () => {
    await page.getByRole("button", { name: t("register.submit"), exact: true }).click();
    await page.locator('.field-error[data-field="identity"]').waitFor();
    await page.locator('.field-error[data-field="password"]').waitFor();
  });
  // The services' violations, worded by rule, with the minimum read from
  // the contract.
  assert.equal(await page.locator('.field-error[data-field="identity"]').innerText(), t("violations.patternOf.username"));
  assert.equal(await page.locator('.field-error[data-field="password"]').innerText(), t("violations.minLen", { min: 8 }));
  await assertTitle(page, title(t("titles.register")));
  await shot("register-invalid");

  say(`register: ${user}`);
  await page.getByLabel(t("register.identity")).fill(user);
  await page.getByLabel(t("register.nickname")).fill(nickname);
  await page.getByLabel(t("register.password")).fill(password);
  await page.getByRole("button", { name: t("register.submit"), exact: true }).click();
  await page.waitForURL(`${baseURL}/`);
  if (!run.phone) await page.locator("header").getByRole("link", { name: nickname }).waitFor();

  say("search box: focused and empty, the hot searches (none yet on a fresh system: said so, not as an error)");
  await page.goto(baseURL);
  const box = page.getByRole("combobox", { name: t("layout.searchPlaceholder") });
  await box.click();
  const hot = page.locator(".hot-searches");
  await hot.getByRole("heading", { name: t("searchBox.hotSearches") }).waitFor();
  await hot.locator(".chips li, .hot-empty").first().waitFor();
  if (await hot.locator(".hot-empty").isVisible()) assert.equal(await hot.locator(".hot-empty").innerText(), t("searchBox.noHot"));
  assert.equal(await hot.getByRole("alert").count(), 0, "no hot searches is no error");
  await shot("search-hot");

  say("search box: suggestions as one types, the typed words marked; one chosen");
  await box.fill("龙井");
  const suggestions = page.getByRole("listbox", { name: t("searchBox.suggestions") });
  const suggestion = suggestions.getByRole("option").first();
  await suggestion.waitFor();
  assert.equal(await box.getAttribute("aria-expanded"), "true");
  assert.match(await suggestions.locator("mark").first().innerText(), /龙井/);
  await shot("search-suggestions");
  const suggested = await suggestion.locator("[translate=no]").innerText();
  if (run.phone) await suggestion.tap();
  else {
    await box.press("ArrowDown");
    assert.equal(await box.getAttribute("aria-activedescendant"), await suggestion.getAttribute("id"));
    await box.press("Enter");
  }
  await page.waitForURL((url) => url.pathname === "/search" && url.searchParams.get("q") === suggested);
  await page.locator(".grid .product-card").first().waitFor();

  say("search: what was typed, on Enter: the number of matches and the matched words marked in the titles");
  await box.fill("龙井");
  await box.press("Enter");
  await page.waitForURL((url) => url.searchParams.get("q") === "龙井");
  const resultCount = page.locator(".result-count");
  await resultCount.waitFor();
  const matches = Number(await resultCount.getAttribute("data-total"));
  assert.ok(matches > 1, "the search finds products");
  assert.equal(await resultCount.innerText(), t("search.count", { n: new Intl.NumberFormat(run.lang).format(matches) }));
  assert.equal(await page.locator(".grid .product-card .title mark").first().innerText(), "龙井");
  await assertTitle(page, title(t("titles.searchFor", { keyword: "龙井" })));

  say("search: sorted by price, in the URL");
  await page.getByRole("tab", { name: t("search.priceAsc") }).click();
  await page.waitForURL(/[?&]sort=price-asc/);
  // The grid of the new order replaces the old one in the same render.
  await page.getByRole("tab", { name: t("search.priceAsc"), selected: true }).waitFor();
  await page.locator(".grid .product-card").first().waitFor();
  const prices = (await page.locator(".grid .product-card .price").allInnerTexts()).map((p) => Number(p.replace(/[^\d.]/g, "")));
  assert.ok(prices.length > 1 && prices.every((p, i) => i === 0 || prices[i - 1] <= p), `prices ascend: ${prices.join(", ")}`);
  await shot("search-by-price");

  say("search filters: a reversed price range is refused in the form; in stock only applies");
  const filters = page.locator("form.search-filters");
  if (run.phone) {
    assert.equal(await filters.isVisible(), false, "on a phone the filters wait behind their button");
    await page.getByRole("button", { name: t("search.filters"), exact: true }).click();
  }
  await filters.getByPlaceholder(t("search.minPrice")).fill("100");
  await filters.getByPlaceholder(t("search.maxPrice")).fill("1.5");
  await filters.getByRole("button", { name: t("search.apply") }).click();
  await filters.getByText(t("search.priceBelowMin")).waitFor();
  assert.doesNotMatch(page.url(), /[?&](min|max)=/, "a refused range is not searched");
  await shot("search-filter-refused");
  await filters.getByPlaceholder(t("search.minPrice")).fill("");
  await filters.getByPlaceholder(t("search.maxPrice")).fill("");
  await filters.getByLabel(t("search.inStock")).check();
  await filters.getByRole("button", { name: t("search.apply") }).click();
  await page.waitForURL(/[?&]stock=1/);
  assert.match(page.url(), /[?&]sort=price-asc/, "a filter keeps the order");
  if (run.phone) await page.getByRole("button", { name: t("search.filtersOn", { n: 1 }) }).waitFor();
  await page.locator(".grid .product-card").first().waitFor();
  await shot("search-in-stock");

  say("search: two words no product has both of: nothing found, and products with one of them offered");
  await box.fill("龙井 防晒");
  await box.press("Enter");
  const fallback = page.locator(".search-fallback");
  await fallback.getByRole("heading", { name: t("search.didYouMean") }).waitFor();
  assert.equal(await fallback.getAttribute("data-fallback"), "SOME_WORDS");
  await page.getByText(t("search.nothing", { keyword: "龙井 防晒" })).waitFor();
  assert.ok((await fallback.locator(".product-card").count()) > 0, "products with some of the words are offered");
  await shot("search-fallback");

  say("search: one character is too short to search by: a line asks for more, not an error");
  await refusing(async () => {
    await box.fill("龙");
    await box.press("Enter");
    await page.getByText(t("search.tooShort")).waitFor();
  });
  assert.equal(await page.locator("main").getByRole("alert").count(), 0);
  await shot("search-too-short");

  say("search: back returns to the earlier searches, their order and filters from the URL");
  await page.goBack();
  await fallback.waitFor();
  await page.goBack();
  await page.getByRole("tab", { name: t("search.priceAsc"), selected: true }).waitFor();
  assert.equal(await box.inputValue(), "龙井");
  const first = page.locator("main .grid .product-card").first();
  await first.waitFor();
  const productId = await first.getAttribute("data-product");
  await first.click();
  await page.waitForURL(`${baseURL}/product/${productId}`);
  const productTitle = await page.locator(".product-page h1").innerText();
  await page.getByRole("heading", { name: shaped(t("product.reviews")) }).waitFor();
  await assertTitle(page, title(productTitle));
  assert.match(await page.locator(".product-page .big-price").innerText(), /^¥[\d,]+\.\d\d$/, "prices in yuan");
  if (run.phone) {
    // The buy buttons are on the first screen, in a bar at the bottom that
    // takes the tab bar's place.
    const box = await page.getByRole("button", { name: t("product.buyNow") }).boundingBox();
    assert.ok(box && box.y + box.height <= run.height, "buy now is on the first screen of a phone");
    assert.equal(await page.locator("nav.tabbar").isVisible(), false, "the buy bar takes the tab bar's place");
  }
  await page.getByRole("button", { name: t("product.favorite"), exact: true }).click();
  await page.getByRole("button", { name: t("product.favorited"), exact: true }).waitFor();
  await shot("product");

  say(`add "${productTitle}" ×2 to the cart`);
  await page.getByRole("button", { name: t("common.more") }).click();
  await page.getByRole("button", { name: t("product.addToCart") }).click();
  await page.getByText(plain(t("product.added"))).waitFor();
  await page.getByTestId("cart-count").filter({ visible: true, hasText: "2" }).waitFor();
  await page.goto(`${baseURL}/cart`);
  await page.locator(`[data-line="${productId}"]`).waitFor();
  const cartTotal = await page.getByTestId("cart-total").innerText();
  await shot("cart");

  say("checkout: add an address (a bad phone first), place the order");
  await page.getByRole("button", { name: t("cart.checkOut") }).click();
  await page.waitForURL(/\/checkout/);
  await page.getByRole("link", { name: t("addresses.add") }).click();
  await page.getByRole("button", { name: t("addresses.add") }).click();
  await page.getByLabel(t("addresses.recipient")).fill("李雷");
  await page.getByLabel(t("addresses.phone")).fill("12ab");
  await page.getByLabel(t("addresses.province")).selectOption("浙江省");
  await page.getByLabel(t("addresses.city")).selectOption("杭州市");
  await page.getByLabel(t("addresses.district")).selectOption("西湖区");
  await page.getByLabel(t("addresses.detail")).fill("西湖路 1 号");
  const phoneError = page.locator('.field-error[data-field="address.phone"]');
  await refusing(async () => {
    await page.getByRole("button", { name: t("addresses.save") }).click();
    await phoneError.waitFor();
  });
  assert.equal(await phoneError.innerText(), t("violations.patternOf.phone"));
  await shot("address-invalid");
  await page.getByLabel(t("addresses.phone")).fill("13800138000");
  await page.getByRole("button", { name: t("addresses.save") }).click();
  await page.waitForURL(/\/checkout/);
  await page.getByRole("radio").first().waitFor();
  assert.equal(await page.getByTestId("checkout-total").innerText(), cartTotal, "checkout total is the cart's");
  await shot("checkout");
  await page.getByRole("button", { name: t("checkout.placeOrder") }).click();

  say("pay on the simulator's page");
  await page.waitForURL(/\/pay\//, { timeout: 60_000 });
  await shot("paysim");
  await page.getByRole("button", { name: /Pay/ }).first().click();
  // The simulator sends the shopper back to the order page.
  await page.waitForURL(/\/orders\/[^/?]+\?/);
  const orderId = new URL(page.url()).pathname.split("/").pop();
  await page.locator('[data-status="PAID"]').first().waitFor({ timeout: 60_000 });
  await shot("order-paid");

  say(`order ${orderId} is listed under Paid; the cart is empty`);
  await page.goto(`${baseURL}/orders?tab=paid`);
  await page.locator(`[data-order="${orderId}"]`).waitFor();
  await shot("orders");
  await page.goto(`${baseURL}/cart`);
  await page.getByText(plain(t("cart.empty"))).waitFor();

  say("the shop ships and delivers the order (admin API)");
  const admin = await rpc("mall.user.v1.UserService/Login", { login: "admin", password: "admin-dev-123" });
  await rpc("mall.order.v1.OrderService/ShipOrder", { orderId, carrier: "SF Express", trackingNumber: "SF100200300" }, admin.accessToken);
  await rpc("mall.order.v1.OrderService/MarkDelivered", { orderId }, admin.accessToken);

  say("write a review, confirm receipt");
  await page.goto(`${baseURL}/orders?tab=review`);
  await page.locator(`[data-order="${orderId}"]`).getByRole("link", { name: t("orders.writeReview") }).click();
  await page.waitForURL(`${baseURL}/orders/${orderId}`);
  await page.locator('[data-status="DELIVERED"]').waitFor();
  await page.getByRole("button", { name: t("order.writeReview") }).click();
  await page.getByRole("button", { name: t("review.stars", { n: 4 }) }).click();
  const reviewText = run.lang === "en" ? `Fresh tea, quick delivery (${user}).` : `茶香清新，发货很快（${user}）。`;
  await page.getByLabel(t("review.text")).fill(reviewText);
  // A picture the mall ships: uploaded at once, shown from the mall.
  await page.locator('.review-form input[type="file"]').setInputFiles(picture);
  const uploaded = page.locator(".review-pictures li[data-image] img");
  await uploaded.waitFor();
  assert.match((await uploaded.getAttribute("src")) ?? "", /^\/review-img\/ri-[a-z2-7]{26}$/);
  await page.getByText(t("review.pictureCount", { n: 1, max: 6 })).waitFor();
  await shot("review-form-picture");
  await page.getByRole("button", { name: t("review.submit") }).click();
  await page.getByText(t("order.reviewed")).waitFor();
  await page.getByRole("button", { name: t("orderActions.confirmReceipt") }).click();
  await page.locator('[data-status="COMPLETED"]').waitFor();
  await shot("order-reviewed");
  await page.goto(`${baseURL}/product/${productId}`);
  await page.getByText(reviewText).waitFor();
  const reviewPicture = page.locator(".review", { hasText: reviewText }).locator(".thumbs img");
  await reviewPicture.waitFor();
  await page.getByRole("tab", { name: t("product.withPictures") }).click();
  await page.locator(".review", { hasText: reviewText }).locator('.thumbs img[src^="/review-img/"]').waitFor();
  assert.ok(await reviewPicture.evaluate((img) => img.complete && img.naturalWidth > 0), "the review's picture loads");
  await shot("product-review");

  say("favorites and profile");
  await page.goto(`${baseURL}/me/favorites`);
  await page.getByText(productTitle).waitFor();
  await shot("favorites");
  await page.goto(`${baseURL}/me`);
  await page.getByRole("heading", { name: t("profile.hello", { name: nickname }) }).waitFor();
  await shot("profile");

  say("flash sale: buy once, the button stays disabled, the result shows");
  await page.goto(baseURL);
  await page.locator(".flash-entry .flash-item").first().click();
  await page.waitForURL(/\/flash\//);
  const flashPath = new URL(page.url()).pathname;
  const buy = page.getByRole("button", { name: t("flash.buyNow") });
  await buy.waitFor();
  await shot("flash-sale");
  await buy.click();
  // One click is one purchase: the button is disabled at once, then
  // replaced by the result of the ticket.
  await page.waitForFunction(() => {
    const b = document.querySelector(".flash-buy");
    return b === null || b.disabled;
  });
  await page.locator('.purchase-result[data-state="created"]').waitFor({ timeout: 60_000 });
  await shot("flash-result");
  await page.getByRole("link", { name: t("flash.viewOrder") }).click();
  await page.locator('[data-status="PENDING_PAYMENT"]').waitFor();
  await page.locator(".order-status .tag", { hasText: t("common.flashSale") }).waitFor();

  say("orders: the tabs count the orders");
  const flashOrderId = new URL(page.url()).pathname.split("/").pop();
  await page.goto(`${baseURL}/orders`);
  await page.locator('[data-tab="pending"] .count[data-count="1"]').waitFor();
  assert.equal(await page.locator('[data-tab="all"] .count').innerText(), "2");
  assert.equal(await page.locator('[data-tab="refund"] .count').count(), 0, "no refund yet");
  await shot("orders-counts");

  say("after-sale: the flash order is paid, cancelled, and refunded on the after-sale tab");
  await page.goto(`${baseURL}/orders/${flashOrderId}`);
  await page.getByRole("button", { name: t("orderActions.payNow") }).click();
  await page.waitForURL(/\/pay\//, { timeout: 60_000 });
  await page.getByRole("button", { name: /Pay/ }).first().click();
  await page.waitForURL(/\/orders\/[^/?]+\?/);
  await page.locator('[data-status="PAID"]').first().waitFor({ timeout: 60_000 });
  // The history says why in the shopper's language.
  await page.locator(".history", { hasText: t("orderHistory.cause.PAID") }).waitFor();
  page.once("dialog", (d) => void d.accept());
  await page.getByRole("button", { name: t("orderActions.cancelAndRefund") }).click();
  await page.locator("[data-refund]").first().waitFor();
  await page.goto(`${baseURL}/orders?tab=refund`);
  const refundCard = page.locator(`[data-order="${flashOrderId}"]`);
  await refundCard.waitFor();
  // The page asks again while the refund is under way, until it is done.
  await refundCard.locator('[data-refund="refunded"]').waitFor({ timeout: 60_000 });
  assert.equal(await refundCard.locator(".refund-state").innerText(), t("refund.refunded"));
  await page.locator('[data-tab="refund"] .count[data-count="1"]').waitFor();
  await shot("orders-after-sale");

  say("sign out; another shopper sees none of the first one's orders; sign in again");
  // Client-side navigation only from here: what the SPA has cached for
  // the first shopper must not be shown to the second.
  await page.goto(`${baseURL}/orders`);
  await page.locator(`[data-order="${orderId}"]`).waitFor();
  await openMe(nickname);
  await page.getByRole("button", { name: t("profile.signOut") }).click();
  await page.locator("header").getByRole("link", { name: t("layout.signIn") }).click();
  await page.getByRole("link", { name: linkOf(t("login.newHere")) }).click();
  await page.getByRole("heading", { name: t("register.title") }).waitFor();
  await page.getByLabel(t("register.identity")).fill(`${user}_2`);
  await page.getByLabel(t("register.password")).fill(password);
  await page.getByRole("button", { name: t("register.submit"), exact: true }).click();
  await page.waitForURL(`${baseURL}/`);
  await openMe(`${user}_2`);
  await page.getByRole("link", { name: t("profile.myOrders") }).click();
  await page.getByText(t("orders.empty")).waitFor();
  assert.equal(await page.locator("[data-order]").count(), 0, "the second shopper sees no orders");
  await openMe(`${user}_2`);
  await page.getByRole("button", { name: t("profile.signOut") }).click();
  await page.locator("header").getByRole("link", { name: t("layout.signIn") }).click();
  await page.getByRole("heading", { name: t("login.title") }).waitFor();
  await page.getByLabel(t("login.identity")).fill(user);
  await page.getByLabel(t("login.password")).fill("wrong-pass-123");
  await refusing(async () => {
    await page.getByRole("button", { name: t("login.submit"), exact: true }).click();
    // The refusal's reason (BAD_CREDENTIALS), in the shopper's language.
    await page.getByRole("alert").waitFor();
  });
  assert.equal(await page.getByRole("alert").innerText(), t("errors.reason.BAD_CREDENTIALS"));
  await shot("login-refused");

  if (run.lang === "en") {
    say("the language switch: a shown error follows it, and the choice outlives a reload");
    const zh = await texts("zh-CN");
    await page.getByRole("combobox", { name: t("layout.language") }).selectOption("zh-CN");
    await page.getByRole("heading", { name: zh("login.title") }).waitFor();
    assert.equal(await page.getByRole("alert").innerText(), zh("errors.reason.BAD_CREDENTIALS"));
    assert.equal(await page.locator("html").getAttribute("lang"), "zh-CN");
    await page.reload();
    await page.getByRole("heading", { name: zh("login.title") }).waitFor();
    await assertTitle(page, `${zh("titles.login")} - ${zh("app.name")}`);
    await page.getByRole("combobox", { name: zh("layout.language") }).selectOption("en");
    await page.getByRole("heading", { name: t("login.title") }).waitFor();
  }

  await page.getByLabel(t("login.identity")).fill(user);
  await page.getByLabel(t("login.password")).fill(password);
  await page.getByRole("button", { name: t("login.submit"), exact: true }).click();
  await page.waitForURL(`${baseURL}/`);
  await page.goto(`${baseURL}/orders`);
  await page.locator(`[data-order="${orderId}"]`).waitFor();
  await shot("orders-again");

  const storageState = await page.context().storageState();
  return { storageState, productId, orderId, flashPath };
}

let failed = false;
try {
  const problems = [];
  const journeys = [];
  for (const run of runs) journeys.push(await journey(run, problems));

  progress("every page at 360, 390 and 414 px and on a laptop, in both languages");
  const { storageState, productId, orderId, flashPath } = journeys[0];
  const paths = {
    home: "/",
    category: "/category/c01?sort=price-asc",
    search: `/search?q=${encodeURIComponent("龙井")}&sort=price-asc&stock=1`,
    "search-fallback": `/search?q=${encodeURIComponent("龙井 防晒")}`,
    product: `/product/${productId}`,
    cart: "/cart",
    checkout: `/checkout?buy=${productId}&qty=1`,
    orders: "/orders",
    "orders-after-sale": "/orders?tab=refund",
    order: `/orders/${orderId}`,
    flash: "/flash",
    sale: flashPath,
    rankings: "/rankings",
    profile: "/me",
    addresses: "/me/addresses",
    favorites: "/me/favorites",
    login: "/login",
    register: "/register",
  };
  problems.push(...(await checkLayouts({ browser, storageState, baseURL, paths, layouts, artifacts })));

  progress("no untranslated text: in cimode every text of the shop shows as its key");
  problems.push(
    ...(await checkTranslations({ browser, storageState, baseURL, paths, rendered: () => document.title.endsWith("app.name") })),
  );

  assert.deepEqual(problems, [], "every page fits its screen, is translated and logs no error");
  progress(`passed; screenshots in ${artifacts}`);
} catch (err) {
  failed = true;
  console.error("e2e: FAILED\n", err);
} finally {
  await browser.close();
  await system.stop();
}
process.exit(failed ? 1 : 0);
