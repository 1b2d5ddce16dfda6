// The console's catalog step: the operator files a new category, creates a
// product in it with a picture uploaded from disk and stock, adjusts the
// stock with a reason (and is refused taking more than there is), and puts
// the product on a banner at the head of the carousel; the storefront's
// home page then shows the banner and the product page the picture. The
// product's id is left in ctx.state.productId for the flash-sale step.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { until } from "../shoppers.mjs";

const picture = join(import.meta.dirname, "../../../services/product/pictures/1f375.webp");

export async function run({ page, t, rpc, baseURL, adminToken, state, pages, shot, refusing, say }) {
  const tag = randomBytes(2).toString("hex");
  const categoryName = `茶具 ${tag}`;
  const title = `控制台盖碗 Console Gaiwan ${tag}`;
  const bannerTitle = `新品盖碗 ${tag}`;

  say("catalog: a new category under the top level");
  await page.goto(`${baseURL}/admin/catalog/categories`);
  await page.getByRole("button", { name: t("admin:catalog.addRoot") }).click();
  const categoryForm = page.getByRole("form", { name: t("admin:catalog.newCategory") });
  await categoryForm.getByLabel(t("admin:catalog.categoryName"), { exact: true }).fill(categoryName);
  await categoryForm.getByRole("button", { name: t("admin:common.save") }).click();
  await page.locator("tr", { hasText: categoryName }).waitFor();
  await shot("catalog-categories");

  say("catalog: a product with a picture uploaded from disk, 50 in stock");
  await page.goto(`${baseURL}/admin/catalog/products/new`);
  const form = page.getByRole("form", { name: t("admin:catalog.createTitle") });
  await form.getByLabel(t("admin:catalog.productTitle"), { exact: true }).fill(title);
  await form.getByLabel(t("admin:catalog.subtitle"), { exact: true }).fill("白瓷 · 150 ml");
  await form.getByLabel(t("admin:catalog.category"), { exact: true }).selectOption({ label: categoryName });
  await form.getByLabel(t("admin:catalog.priceYuan"), { exact: true }).fill("39.90");
  await form.getByLabel(t("admin:catalog.initialStock"), { exact: true }).fill("50");
  await form.locator('input[type="file"]').setInputFiles(picture);
  const thumb = form.locator('.admin-thumbs img[src^="/product-img/"]');
  await thumb.waitFor();
  const pictureURL = await thumb.getAttribute("src");
  assert.match(pictureURL ?? "", /^\/product-img\/pi-[a-z2-7]{26}$/);
  await form.getByRole("button", { name: t("admin:common.save") }).click();
  await page.waitForURL(/\/admin\/catalog\/products\/p-[0-9a-f-]+$/);
  const productId = page.url().split("/").pop();
  await page.getByRole("status").filter({ hasText: t("admin:catalog.created") }).waitFor();
  state.productId = productId;
  await shot("catalog-product");

  say("catalog: stock adjusted with a reason; taking more than there is is refused");
  await page.goto(`${baseURL}/admin/catalog/stock/${productId}`);
  const adjust = page.getByRole("form", { name: t("admin:catalog.adjust") });
  await adjust.getByLabel(t("admin:catalog.delta"), { exact: true }).fill("10");
  await adjust.getByLabel(t("admin:catalog.reason"), { exact: true }).fill("到货入库");
  await adjust.getByRole("button", { name: t("admin:catalog.apply") }).click();
  await adjust.getByRole("status").filter({ hasText: t("admin:catalog.adjusted", { before: "50", after: "60" }) }).waitFor();
  await page.getByRole("table", { name: t("admin:catalog.history") }).locator("tr", { hasText: "到货入库" }).waitFor();
  await refusing(async () => {
    await adjust.getByLabel(t("admin:catalog.delta"), { exact: true }).fill("-1000");
    await adjust.getByLabel(t("admin:catalog.reason"), { exact: true }).fill("盘点");
    await adjust.getByRole("button", { name: t("admin:catalog.apply") }).click();
    await adjust.getByRole("alert").filter({ hasText: t("errors.limit.STOCK_OUT_OF_RANGE", { limit: "1000000000", available: "60" }) }).waitFor();
  });
  const { products } = await rpc("mall.product.v1.ProductService/AdminListProducts", { query: productId }, adminToken);
  assert.equal(products?.[0]?.product?.stock, "60", "the refused adjustment changed nothing");
  await shot("catalog-stock");

  say("catalog: a banner for the product with its picture, moved to the head of the carousel");
  await page.goto(`${baseURL}/admin/catalog/banners`);
  await page.getByRole("button", { name: t("admin:catalog.newBanner") }).click();
  const bannerForm = page.getByRole("form", { name: t("admin:catalog.newBanner") });
  await bannerForm.getByLabel(t("admin:catalog.bannerTitle"), { exact: true }).fill(bannerTitle);
  await bannerForm.getByLabel(t("admin:catalog.productIdLabel"), { exact: true }).fill(productId);
  await bannerForm.getByRole("button", { name: t("admin:catalog.pictureN", { n: 1 }) }).click();
  await bannerForm.getByRole("button", { name: t("admin:common.save") }).click();
  const rows = page.locator("tbody tr[data-banner]");
  await rows.filter({ hasText: bannerTitle }).waitFor();
  const place = () => rows.evaluateAll((els, name) => els.findIndex((e) => e.textContent.includes(name)), bannerTitle);
  for (let at = await place(); at > 0; at = await place()) {
    const was = at;
    await page.getByRole("button", { name: t("admin:catalog.moveUp", { title: bannerTitle }) }).click();
    await until("the banner one place up", async () => (await place()) < was, 10_000);
  }
  await rows.first().locator(".admin-badge.ok").waitFor();
  await shot("catalog-banners");

  say("catalog: the storefront's home page shows the banner, the product page the picture");
  await until("the banner on the home page", async () => {
    await page.goto(`${baseURL}/`);
    await page.locator(".carousel .caption").first().waitFor();
    return (await page.locator(".carousel .caption").textContent())?.includes(bannerTitle);
  });
  assert.equal(await page.locator(".carousel img").first().getAttribute("src"), pictureURL);
  await page.locator(".carousel a.slide").click();
  await page.waitForURL(new RegExp(`/product/${productId}$`));
  await page.locator(`img[src="${pictureURL}"]`).first().waitFor();
  await page.getByText(title).first().waitFor();

  Object.assign(pages, {
    "catalog-products": "/admin/catalog/products",
    "catalog-product": `/admin/catalog/products/${productId}`,
    "catalog-categories": "/admin/catalog/categories",
    "catalog-stock": `/admin/catalog/stock/${productId}`,
    "catalog-banners": "/admin/catalog/banners",
  });
}
