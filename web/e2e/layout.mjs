// The checks of the storefront's layout: on each page, at each width a
// phone may have and on a laptop, in both languages, nothing is wider than
// the screen (the page does not scroll sideways), nothing is logged as an
// error, and on a phone every button, tab, stepper and link in a list is
// at least 44 px each way (a link inside a sentence is exempt, as in WCAG
// 2.5.8). Phones are opened as a phone's browser (isMobile, touch, 3×
// pixels), signed in as the journey's shopper.

import { mkdirSync } from "node:fs";
import { join } from "node:path";

export const layouts = [
  { name: "zh-CN-360", lang: "zh-CN", width: 360, height: 780, phone: true },
  { name: "zh-CN-390", lang: "zh-CN", width: 390, height: 844, phone: true, shots: true },
  { name: "zh-CN-414", lang: "zh-CN", width: 414, height: 896, phone: true },
  { name: "en-390", lang: "en", width: 390, height: 844, phone: true },
  { name: "zh-CN-1280", lang: "zh-CN", width: 1280, height: 800, phone: false },
  { name: "en-1280", lang: "en", width: 1280, height: 800, phone: false },
];
const tap = 44;

/* global document, getComputedStyle -- the functions run in the page */
function wider() {
  const vw = document.documentElement.clientWidth;
  const scrolls = (el) => {
    for (let p = el.parentElement; p; p = p.parentElement) if (getComputedStyle(p).overflowX !== "visible") return true;
    return false;
  };
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.right <= vw + 0.5 || scrolls(el)) continue;
    // The outermost element that sticks out names the culprit.
    if (el.parentElement && el.parentElement.getBoundingClientRect().right > vw + 0.5) continue;
    out.push(`${el.tagName.toLowerCase()}.${[...el.classList].join(".")} to ${Math.round(r.right)} px`);
  }
  return { scrollWidth: document.documentElement.scrollWidth, wider: out.slice(0, 5) };
}

function smallTargets(min) {
  const seen = new Set();
  const out = [];
  for (let el of document.querySelectorAll("a[href], button, select, input:not([type=hidden]), textarea, [role=tab]")) {
    // A checkbox's target is the label around it.
    if (el.matches("input[type=checkbox], input[type=radio]") && el.closest("label")) el = el.closest("label");
    if (seen.has(el)) continue;
    seen.add(el);
    const cs = getComputedStyle(el);
    const r = el.getBoundingClientRect();
    if (cs.visibility === "hidden" || r.width === 0 || r.height === 0) continue;
    const inSentence =
      el.tagName === "A" &&
      cs.display === "inline" &&
      [...el.parentElement.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim() !== "");
    if (inSentence) continue;
    if (r.width < min - 0.5 || r.height < min - 0.5) {
      const name = (el.getAttribute("aria-label") || el.textContent || "").trim().slice(0, 20);
      out.push(`${el.tagName.toLowerCase()} "${name}" ${Math.round(r.width)}×${Math.round(r.height)}`);
    }
  }
  return out;
}

// checkLayouts opens each path in each layout and returns what is wrong,
// as sentences. Layouts with `shots` leave a screenshot of each page in
// artifacts/pages-<layout>/.
export async function checkLayouts({ browser, storageState, baseURL, paths, layouts, artifacts }) {
  const problems = [];
  for (const layout of layouts) {
    const context = await browser.newContext({
      viewport: { width: layout.width, height: layout.height },
      locale: layout.lang,
      storageState,
      ...(layout.phone ? { isMobile: true, hasTouch: true, deviceScaleFactor: 3 } : {}),
    });
    context.setDefaultTimeout(20_000);
    const page = await context.newPage();
    let where = "";
    page.on("pageerror", (err) => problems.push(`${where}: uncaught ${err.message}`));
    page.on("console", (msg) => {
      if (msg.type() === "error") problems.push(`${where}: console error ${msg.text()} (${msg.location().url})`);
    });
    const dir = join(artifacts, `pages-${layout.name}`);
    if (layout.shots) mkdirSync(dir, { recursive: true });
    for (const [name, path] of Object.entries(paths)) {
      where = `${name} in ${layout.name}`;
      await page.goto(`${baseURL}${path}`);
      await page.locator("main > *").first().waitFor();
      await page.waitForFunction(() => document.querySelector("main .loading") === null);
      const { scrollWidth, wider: out } = await page.evaluate(wider);
      if (scrollWidth > layout.width) problems.push(`${where} is ${scrollWidth} px wide: ${out.join(", ")}`);
      if (layout.phone) {
        const small = await page.evaluate(smallTargets, tap);
        if (small.length > 0) problems.push(`${where} has targets under ${tap} px: ${small.join(", ")}`);
      }
      if (layout.shots) await page.screenshot({ path: join(dir, `${name}.png`) });
    }
    await context.close();
  }
  return problems;
}
