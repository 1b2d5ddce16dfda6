// The browser journey through the storefront, in Debian's Chromium driven by
// playwright-core, against the whole system started here (or the one at
// MALL_E2E_URL): a new shopper registers (after a refused form), searches,
// opens a product, adds it to the cart, checks out, pays on the payment
// simulator's page, sees the order paid, and once an admin has shipped and
// delivered it writes a review with a picture; a flash-sale purchase shows
// its result, and that order, paid and cancelled, is refunded on the
// after-sale tab. Search results are counted and sorted, order tabs counted.
// The shopper's browser asks for Chinese (the shop's default language); a
// second, shorter visit asks for English and switches back to Chinese, and
// a page in the cimode pseudo-language shows no untranslated text.
// Screenshots of every page go to e2e/artifacts/.
import assert from "node:assert/strict";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { checkPhones } from "./phone.mjs";
import { startSystem } from "./system.mjs";
import { untranslatedText } from "./untranslated.mjs";

const artifacts = join(import.meta.dirname, "artifacts");
// The review's picture: a WebP the catalog ships.
const picture = join(import.meta.dirname, "../../services/product/pictures/1f375.webp");
rmSync(artifacts, { recursive: true, force: true });
mkdirSync(artifacts, { recursive: true });

const chromiumPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
// The browser first: if it cannot start, no system is left running.
const browser = await chromium.launch({
  executablePath: chromiumPath,
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
const system = process.env.MALL_E2E_URL
  ? { baseURL: process.env.MALL_E2E_URL, stop: async () => {} }
  : await startSystem({ artifacts });
const { baseURL } = system;

// rpc calls the API as a client other than the browser (the admin's
// shipping desk) over Connect's JSON protocol.
async function rpc(path, body, token) {
  const r = await fetch(`${baseURL}/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const answer = await r.json();
  if (!r.ok) throw new Error(`${path}: ${r.status} ${JSON.stringify(answer)}`);
  return answer;
}

const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, locale: "zh-CN" });
context.setDefaultTimeout(20_000);
const page = await context.newPage();
const pageErrors = [];
page.on("pageerror", (err) => pageErrors.push(err.message));
// The mall serves the SPA with a Content-Security-Policy: anything it
// blocks would be a broken page in production.
const policyViolations = [];
page.on("console", (msg) => {
  if (msg.type() === "error" && /Content Security Policy/i.test(msg.text())) policyViolations.push(msg.text());
});

let step = 0;
async function shot(name) {
  await page.screenshot({ path: join(artifacts, `${String(++step).padStart(2, "0")}-${name}.png`), fullPage: true });
}
const started = Date.now();
function progress(what) {
  console.log(`e2e: [${((Date.now() - started) / 1000).toFixed(1)} s] ${what}`);
}

const user = `e2e_${Date.now().toString(36)}`;
const password = "secret-pass-123";
let failed = false;
try {
  progress("home: banners, flash-sale entry, rankings, recommendations from the services");
  await page.goto(baseURL);
  await page.locator(".carousel img").first().waitFor();
  await page.getByRole("heading", { name: "热销排行榜" }).waitFor();
  assert.equal(await page.locator("html").getAttribute("lang"), "zh-CN", "the page says it is in Chinese");
  assert.equal(await page.title(), "商城");
  assert.ok((await page.locator(".ranking li").count()) > 0, "the ranking lists products");
  assert.ok((await page.locator(".grid .product-card").count()) > 0, "recommendations are shown");
  assert.ok((await page.locator(".shortcut").count()) >= 8, "category shortcuts are shown");
  await page.locator(".flash-entry .countdown").first().waitFor();
  await shot("home");

  progress("category: products of a category, sorted by price");
  await page.locator(".shortcut").first().click();
  await page.waitForURL(/\/category\/c01/);
  await page.locator(".grid .product-card").first().waitFor();
  await page.getByRole("tab", { name: "价格 ↑" }).click();
  await page.waitForURL(/sort=price-asc/);
  await shot("category");

  progress("register: an invalid form shows the services' field errors");
  await page.goto(`${baseURL}/register`);
  await page.getByLabel("用户名或手机号").fill("ab");
  await page.getByLabel(/^密码/).fill("abc1");
  await page.getByRole("button", { name: "注册" }).click();
  await page.locator('.field-error[data-field="identity"]').waitFor();
  await page.locator('.field-error[data-field="password"]').waitFor();
  // The services' violations, worded by rule, with the minimum read from
  // the contract.
  assert.equal(await page.locator('.field-error[data-field="identity"]').innerText(), "用户名为 3–32 位字母、数字或下划线。");
  assert.equal(await page.locator('.field-error[data-field="password"]').innerText(), "至少需要 8 个字符。");
  assert.equal(await page.title(), "注册 - 商城");
  await shot("register-invalid");

  progress(`register: ${user}`);
  await page.getByLabel("用户名或手机号").fill(user);
  await page.getByLabel("昵称（选填）").fill("E2E Shopper");
  await page.getByLabel(/^密码/).fill(password);
  await page.getByRole("button", { name: "注册" }).click();
  await page.waitForURL(`${baseURL}/`);
  await page.getByRole("link", { name: "E2E Shopper" }).waitFor();

  progress("search: the number of matches, sorted by price in the URL");
  await page.goto(`${baseURL}/search?q=${encodeURIComponent("Green Tea")}`);
  const resultCount = page.locator(".result-count");
  await resultCount.waitFor();
  const matches = Number(await resultCount.getAttribute("data-total"));
  assert.ok(matches >= 1, "the search finds products");
  assert.equal(await resultCount.innerText(), `共 ${matches} 件商品`);
  await page.getByRole("tab", { name: "价格 ↑" }).click();
  await page.waitForURL(/[?&]sort=price-asc/);
  // The grid of the new order replaces the old one in the same render.
  await page.getByRole("tab", { name: "价格 ↑", selected: true }).waitFor();
  await page.locator(".grid .product-card").first().waitFor();
  const prices = (await page.locator(".grid .product-card .price").allInnerTexts()).map((p) => Number(p.replace(/[^\d.]/g, "")));
  assert.ok(prices.length > 1 && prices.every((p, i) => i === 0 || prices[i - 1] <= p), `prices ascend: ${prices.join(", ")}`);
  await shot("search-by-price");

  progress("search and open a product");
  await page.getByLabel("搜索商品").fill("Green Tea");
  await page.getByRole("button", { name: "搜索", exact: true }).click();
  await page.waitForURL(/\/search\?q=Green/);
  const first = page.locator(".grid .product-card").first();
  await first.waitFor();
  await shot("search");
  const productId = await first.getAttribute("data-product");
  await first.click();
  await page.waitForURL(`${baseURL}/product/${productId}`);
  const title = await page.locator(".product-page h1").innerText();
  await page.getByRole("heading", { name: /^商品评价/ }).waitFor();
  assert.equal(await page.title(), `${title} - 商城`);
  await page.getByRole("button", { name: "收藏", exact: true }).click();
  await page.getByRole("button", { name: "已收藏", exact: true }).waitFor();
  await shot("product");

  progress(`add "${title}" ×2 to the cart`);
  await page.getByRole("button", { name: "增加" }).click();
  await page.getByRole("button", { name: "加入购物车" }).click();
  await page.getByText("已加入购物车").waitFor();
  await page.getByTestId("cart-count").filter({ hasText: "2" }).waitFor();
  await page.goto(`${baseURL}/cart`);
  await page.locator(`[data-line="${productId}"]`).waitFor();
  const cartTotal = await page.getByTestId("cart-total").innerText();
  await shot("cart");

  progress("checkout: add an address (a bad phone first), place the order");
  await page.getByRole("button", { name: "去结算" }).click();
  await page.waitForURL(/\/checkout/);
  await page.getByRole("link", { name: "新增收货地址" }).click();
  await page.getByRole("button", { name: "新增收货地址" }).click();
  await page.getByLabel("收货人").fill("李雷");
  await page.getByLabel("手机号码").fill("12ab");
  await page.getByLabel("省份").selectOption("浙江省");
  await page.getByLabel("城市").selectOption("杭州市");
  await page.getByLabel("区/县").selectOption("西湖区");
  await page.getByLabel("详细地址").fill("西湖路 1 号");
  await page.getByRole("button", { name: "保存地址" }).click();
  const phoneError = page.locator('.field-error[data-field="address.phone"]');
  await phoneError.waitFor();
  assert.equal(await phoneError.innerText(), "请输入正确的手机号码（11 位，以 13–19 开头）。");
  await shot("address-invalid");
  await page.getByLabel("手机号码").fill("13800138000");
  await page.getByRole("button", { name: "保存地址" }).click();
  await page.waitForURL(/\/checkout/);
  await page.getByRole("radio").first().waitFor();
  assert.equal(await page.getByTestId("checkout-total").innerText(), cartTotal, "checkout total is the cart's");
  await shot("checkout");
  await page.getByRole("button", { name: "提交订单并付款" }).click();

  progress("pay on the simulator's page");
  await page.waitForURL(/\/pay\//, { timeout: 60_000 });
  await shot("paysim");
  await page.getByRole("button", { name: /Pay/ }).first().click();
  // The simulator sends the shopper back to the order page.
  await page.waitForURL(/\/orders\/[^/?]+\?/);
  const orderId = new URL(page.url()).pathname.split("/").pop();
  await page.locator('[data-status="PAID"]').first().waitFor({ timeout: 60_000 });
  await shot("order-paid");

  progress(`order ${orderId} is listed under Paid; the cart is empty`);
  await page.goto(`${baseURL}/orders?tab=paid`);
  await page.locator(`[data-order="${orderId}"]`).waitFor();
  await shot("orders");
  await page.goto(`${baseURL}/cart`);
  await page.getByText("购物车还是空的").waitFor();

  progress("the shop ships and delivers the order (admin API)");
  const admin = await rpc("mall.user.v1.UserService/Login", { login: "admin", password: "admin-dev-123" });
  await rpc("mall.order.v1.OrderService/ShipOrder", { orderId, carrier: "SF Express", trackingNumber: "SF100200300" }, admin.accessToken);
  await rpc("mall.order.v1.OrderService/MarkDelivered", { orderId }, admin.accessToken);

  progress("write a review, confirm receipt");
  await page.goto(`${baseURL}/orders?tab=review`);
  await page.locator(`[data-order="${orderId}"]`).getByRole("link", { name: "去评价" }).click();
  await page.waitForURL(`${baseURL}/orders/${orderId}`);
  await page.locator('[data-status="DELIVERED"]').waitFor();
  await page.getByRole("button", { name: "写评价" }).click();
  await page.getByRole("button", { name: "4 星" }).click();
  const reviewText = `茶香清新，发货很快（${user}）。`;
  await page.getByLabel("评价内容").fill(reviewText);
  // A picture the mall ships: uploaded at once, shown from the mall.
  await page.locator('.review-form input[type="file"]').setInputFiles(picture);
  const uploaded = page.locator(".review-pictures li[data-image] img");
  await uploaded.waitFor();
  assert.match((await uploaded.getAttribute("src")) ?? "", /^\/review-img\/ri-[a-z2-7]{26}$/);
  await page.getByText("（1/6 张）").waitFor();
  await shot("review-form-picture");
  const wide = page.viewportSize();
  await page.setViewportSize({ width: 390, height: 844 });
  await page.locator(".review-pictures").scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(artifacts, `${String(++step).padStart(2, "0")}-review-form-picture-390.png`) });
  if (wide) await page.setViewportSize(wide);
  await page.getByRole("button", { name: "提交评价" }).click();
  await page.getByText("已评价").waitFor();
  await page.getByRole("button", { name: "确认收货" }).click();
  await page.locator('[data-status="COMPLETED"]').waitFor();
  await shot("order-reviewed");
  await page.goto(`${baseURL}/product/${productId}`);
  await page.getByText(reviewText).waitFor();
  const reviewPicture = page.locator(".review", { hasText: reviewText }).locator(".thumbs img");
  await reviewPicture.waitFor();
  await page.getByRole("tab", { name: "有图" }).click();
  await page.locator(".review", { hasText: reviewText }).locator('.thumbs img[src^="/review-img/"]').waitFor();
  assert.ok(await reviewPicture.evaluate((img) => img.complete && img.naturalWidth > 0), "the review's picture loads");
  await shot("product-review");

  progress("favorites and profile");
  await page.goto(`${baseURL}/me/favorites`);
  await page.getByText(title).waitFor();
  await shot("favorites");
  await page.goto(`${baseURL}/me`);
  await page.getByRole("heading", { name: "你好，E2E Shopper" }).waitFor();
  await shot("profile");

  progress("flash sale: buy once, the button stays disabled, the result shows");
  await page.goto(baseURL);
  await page.locator(".flash-entry .flash-item").first().click();
  await page.waitForURL(/\/flash\//);
  const flashPath = new URL(page.url()).pathname;
  const buy = page.getByRole("button", { name: "立即抢购" });
  await buy.waitFor();
  await shot("flash-sale");
  await buy.click();
  // One click is one purchase: the button is disabled at once, then
  // replaced by the result of the ticket.
  /* global document -- the function runs in the page */
  await page.waitForFunction(() => {
    const b = document.querySelector(".flash-buy");
    return b === null || b.disabled;
  });
  await page.locator('.purchase-result[data-state="created"]').waitFor({ timeout: 60_000 });
  await shot("flash-result");
  await page.getByRole("link", { name: "查看订单" }).click();
  await page.locator('[data-status="PENDING_PAYMENT"]').waitFor();
  await page.locator(".order-status .tag", { hasText: "秒杀" }).waitFor();

  progress("orders: the tabs count the orders");
  const flashOrderId = new URL(page.url()).pathname.split("/").pop();
  await page.goto(`${baseURL}/orders`);
  await page.locator('[data-tab="pending"] .count[data-count="1"]').waitFor();
  assert.equal(await page.locator('[data-tab="all"] .count').innerText(), "2");
  assert.equal(await page.locator('[data-tab="refund"] .count').count(), 0, "no refund yet");
  await shot("orders-counts");

  progress("after-sale: the flash order is paid, cancelled, and refunded on the after-sale tab");
  await page.goto(`${baseURL}/orders/${flashOrderId}`);
  await page.getByRole("button", { name: "立即付款" }).click();
  await page.waitForURL(/\/pay\//, { timeout: 60_000 });
  await page.getByRole("button", { name: /Pay/ }).first().click();
  await page.waitForURL(/\/orders\/[^/?]+\?/);
  await page.locator('[data-status="PAID"]').first().waitFor({ timeout: 60_000 });
  // The history says why in the shopper's language.
  await page.locator(".history", { hasText: "付款成功" }).waitFor();
  page.once("dialog", (d) => void d.accept());
  await page.getByRole("button", { name: "取消订单并退款" }).click();
  await page.locator("[data-refund]").first().waitFor();
  await page.goto(`${baseURL}/orders?tab=refund`);
  const refundCard = page.locator(`[data-order="${flashOrderId}"]`);
  await refundCard.waitFor();
  // The page asks again while the refund is under way, until it is done.
  await refundCard.locator('[data-refund="refunded"]').waitFor({ timeout: 60_000 });
  assert.match(await refundCard.locator(".refund-state").innerText(), /^已退款$/);
  await page.locator('[data-tab="refund"] .count[data-count="1"]').waitFor();
  await shot("orders-after-sale");

  progress("sign out; another shopper sees none of the first one's orders; sign in again");
  // Client-side navigation only from here: what the SPA has cached for
  // the first shopper must not be shown to the second.
  await page.goto(`${baseURL}/orders`);
  await page.locator(`[data-order="${orderId}"]`).waitFor();
  await page.getByRole("link", { name: "E2E Shopper" }).click();
  await page.getByRole("button", { name: "退出登录" }).click();
  await page.getByRole("link", { name: "登录" }).click();
  await page.getByRole("link", { name: "立即注册" }).click();
  await page.getByRole("heading", { name: "注册新账号" }).waitFor();
  await page.getByLabel("用户名或手机号").fill(`${user}_2`);
  await page.getByLabel(/^密码/).fill(password);
  await page.getByRole("button", { name: "注册" }).click();
  await page.getByRole("link", { name: `${user}_2` }).click();
  await page.getByRole("link", { name: "我的订单" }).click();
  await page.getByText("暂无相关订单。").waitFor();
  assert.equal(await page.locator("[data-order]").count(), 0, "the second shopper sees no orders");
  await page.getByRole("link", { name: `${user}_2` }).click();
  await page.getByRole("button", { name: "退出登录" }).click();
  await page.getByRole("link", { name: "登录" }).click();
  await page.getByRole("heading", { name: "登录" }).waitFor();
  await page.getByLabel("用户名或手机号").fill(user);
  await page.getByLabel("密码").fill("wrong-pass-123");
  await page.getByRole("button", { name: "登录" }).click();
  // The refusal's reason (BAD_CREDENTIALS), in Chinese.
  assert.equal(await page.getByRole("alert").innerText(), "账号或密码错误。");
  await shot("login-refused");
  await page.getByLabel("密码").fill(password);
  await page.getByRole("button", { name: "登录" }).click();
  await page.getByRole("link", { name: "E2E Shopper" }).waitFor();
  await page.goto(`${baseURL}/orders`);
  await page.locator(`[data-order="${orderId}"]`).waitFor();

  progress("phone-sized screen");
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(baseURL);
  await page.locator(".carousel img").first().waitFor();
  await page.locator("nav.tabbar").waitFor();
  await shot("home-phone");
  // The product page's buy buttons are on the first screen, in a bar at
  // the bottom that takes the tab bar's place.
  await page.goto(`${baseURL}/product/${productId}`);
  const buyNow = page.getByRole("button", { name: "立即购买" });
  const box = await buyNow.boundingBox();
  assert.ok(box && box.y + box.height <= 844, "立即购买 is on the first screen of a phone");
  assert.equal(await page.locator("nav.tabbar").isVisible(), false, "the buy bar takes the tab bar's place");
  await shot("product-phone");

  progress("phones: no page wider than the screen at 360, 390 and 414 px, and 44 px targets");
  const phoneProblems = await checkPhones({
    browser,
    storageState: await context.storageState(),
    baseURL,
    paths: {
      home: "/",
      category: "/category/c01?sort=price-asc",
      search: `/search?q=${encodeURIComponent("Green Tea")}`,
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
    },
    shot: (name, p) => p.screenshot({ path: join(artifacts, `${String(++step).padStart(2, "0")}-${name}-390.png`) }),
  });
  assert.deepEqual(phoneProblems, [], "the pages fit a phone");

  progress("English: a browser asking for English gets it, and the switch goes back to Chinese for good");
  const english = await browser.newContext({ viewport: { width: 1200, height: 900 }, locale: "en-US" });
  english.setDefaultTimeout(20_000);
  const en = await english.newPage();
  en.on("pageerror", (err) => pageErrors.push(err.message));
  await en.goto(`${baseURL}/product/${productId}`);
  await en.getByRole("button", { name: "Add to cart" }).waitFor();
  await en.getByRole("heading", { name: /^Reviews/ }).waitFor();
  assert.equal(await en.locator("html").getAttribute("lang"), "en");
  assert.match(await en.locator(".product-page .big-price").innerText(), /^¥[\d,]+\.\d\d$/);
  await en.screenshot({ path: join(artifacts, `${String(++step).padStart(2, "0")}-product-en.png`), fullPage: true });
  await en.goto(`${baseURL}/login`);
  await en.getByLabel("Username or phone").fill(user);
  await en.getByLabel("Password").fill("wrong-pass-123");
  await en.getByRole("button", { name: "Sign in" }).click();
  assert.equal(await en.getByRole("alert").innerText(), "Wrong login or password.");
  await en.getByRole("combobox", { name: "Language" }).selectOption("zh-CN");
  await en.getByRole("heading", { name: "登录" }).waitFor();
  assert.equal(await en.getByRole("alert").innerText(), "账号或密码错误。", "a shown error follows the language");
  assert.equal(await en.locator("html").getAttribute("lang"), "zh-CN");
  await en.reload();
  await en.getByRole("heading", { name: "登录" }).waitFor();
  assert.equal(await en.title(), "登录 - 商城", "the choice outlives a reload");

  progress("no untranslated text: in cimode every text of the shop shows as its key");
  for (const path of ["/login", "/register", "/search"]) {
    await en.goto(`${baseURL}${path}?lng=cimode`);
    // The page's chunk has loaded and rendered once it has named the tab
    // (before that, the loading fallback and index.html's own title show).
    await en.waitForFunction(() => document.title.endsWith("app.name"));
    assert.deepEqual(await untranslatedText(en), [], `untranslated text on ${path}`);
  }
  await english.close();

  assert.deepEqual(pageErrors, [], "no uncaught errors in the pages");
  assert.deepEqual(policyViolations, [], "nothing blocked by the Content-Security-Policy");
  progress(`passed; screenshots in ${artifacts}`);
} catch (err) {
  failed = true;
  console.error(`e2e: FAILED at ${page.url()}\n`, err);
  await page.screenshot({ path: join(artifacts, "failure.png"), fullPage: true }).catch(() => {});
} finally {
  await browser.close();
  await system.stop();
}
process.exit(failed ? 1 : 0);
