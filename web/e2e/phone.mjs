// The checks of the storefront on a phone: on each page, at each width a
// phone may have, nothing is wider than the screen (the page does not
// scroll sideways), and at 390 px every button, tab, stepper and link in a
// list is at least 44 px each way (a link inside a sentence is exempt, as
// in WCAG 2.5.8). The pages are opened in a phone's browser (isMobile,
// touch, 3× pixels), signed in as the journey's shopper.

export const phoneWidths = [360, 390, 414];
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

// checkPhones opens each path at each phone width and returns what is
// wrong, as sentences; `ready` waits for a page's content. Screenshots at
// 390 px go to `shot(name, page)`.
export async function checkPhones({ browser, storageState, baseURL, paths, shot }) {
  const problems = [];
  for (const width of phoneWidths) {
    const context = await browser.newContext({
      viewport: { width, height: 844 },
      isMobile: true,
      hasTouch: true,
      deviceScaleFactor: 3,
      locale: "zh-CN",
      storageState,
    });
    context.setDefaultTimeout(20_000);
    const page = await context.newPage();
    for (const [name, path] of Object.entries(paths)) {
      await page.goto(`${baseURL}${path}`);
      await page.locator("main > *").first().waitFor();
      await page.waitForFunction(() => document.querySelector("main .loading") === null);
      const { scrollWidth, wider: out } = await page.evaluate(wider);
      if (scrollWidth > width) problems.push(`${name} at ${width} px is ${scrollWidth} px wide: ${out.join(", ")}`);
      if (width === 390) {
        const small = await page.evaluate(smallTargets, tap);
        if (small.length > 0) problems.push(`${name} at 390 px has targets under ${tap} px: ${small.join(", ")}`);
        await shot?.(name, page);
      }
    }
    await context.close();
  }
  return problems;
}
