// The check for untranslated text. Open a page with ?lng=cimode (i18next's
// pseudo-language, not saved as the shopper's choice): every text that goes
// through t() or <Trans> then shows as its key ("login.title"), also in
// placeholders, aria-labels, alt texts and the document title. Whatever
// else reads as words was written into the markup: untranslated.
//
// Exempt are texts in an element with its own lang attribute (a language's
// name in the switch, written in that language), with translate="no" (data:
// product titles, names, addresses, ids), and dates in <time> (Intl words
// them in the page's language). A page title naming what the page shows as
// data is data. Texts without a letter (prices, counts, ★, −) are not words.

/* global document, NodeFilter -- the function runs in the page */
export async function untranslatedText(page) {
  return page.evaluate(() => {
    const key = /^[a-z][A-Za-z]*(\.[A-Za-z0-9_]+)+$/;
    const words = (s) => /\p{L}/u.test(s) && !key.test(s);
    const exempt = (el) => el.closest("body [lang], [translate=no], time, script, style, noscript") !== null;
    const found = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const text = (n.textContent ?? "").trim();
      const el = n.parentElement;
      if (el && !exempt(el) && words(text) && el.checkVisibility()) found.push(text);
    }
    for (const attr of ["placeholder", "aria-label", "alt", "title", "aria-roledescription"]) {
      for (const el of document.body.querySelectorAll(`[${attr}]`)) {
        const value = (el.getAttribute(attr) ?? "").trim();
        if (!exempt(el) && words(value)) found.push(`${attr}="${value}"`);
      }
    }
    const data = new Set([...document.querySelectorAll("[translate=no]")].map((el) => el.textContent?.trim()));
    for (const part of document.title.split(" - ")) if (words(part) && !data.has(part)) found.push(`<title>${part}`);
    return found;
  });
}

// checkTranslations opens each path in cimode, signed in as storageState,
// once the page's chunk has loaded and rendered (rendered(), run in the
// page, is true: the page names the tab by then, before which the loading
// fallback and index.html's own title show), and returns the untranslated
// texts found, as sentences.
export async function checkTranslations({ browser, storageState, baseURL, paths, rendered }) {
  const problems = [];
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, storageState });
  const page = await context.newPage();
  for (const path of Object.values(paths)) {
    await page.goto(`${baseURL}${path}${path.includes("?") ? "&" : "?"}lng=cimode`);
    await page.waitForFunction(rendered);
    await page.waitForFunction(() => document.querySelector("main .loading") === null);
    const found = await untranslatedText(page);
    if (found.length > 0) problems.push(`untranslated text on ${path}: ${found.join(" | ")}`);
  }
  await context.close();
  return problems;
}
