// What the browser journeys share: Chromium, a watch on each page for
// errors, the API called as a client other than the browser, a log of
// progress and the check of a tab's title.
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

// launchBrowser starts Debian's Chromium (or $CHROMIUM) headless.
export function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
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
}

// rpcClient calls the API over Connect's JSON protocol; a refusal throws
// with its code and message.
export function rpcClient(baseURL) {
  return async function rpc(path, body, token) {
    const r = await fetch(`${baseURL}/${path}`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body),
    });
    const answer = await r.json();
    if (!r.ok) throw new Error(`${path}: ${r.status} ${JSON.stringify(answer)}`);
    return answer;
  };
}

// progressLog prints what a journey is doing, seconds since it started.
export function progressLog(name) {
  const started = Date.now();
  return (what) => console.log(`${name}: [${((Date.now() - started) / 1000).toFixed(1)} s] ${what}`);
}

// watch records what a page must never do: log an error to the console,
// throw, or have the Content-Security-Policy block something. A refusal the
// step provokes on purpose (a form the services turn down answers 4xx,
// which the browser logs) is allowed inside the returned `refusing`.
export function watch(page, problems, where) {
  let refusing = 0;
  page.on("pageerror", (err) => problems.push(`${where()}: uncaught ${err.message}`));
  page.on("console", (msg) => {
    if (msg.type() !== "error") return;
    const text = msg.text();
    if (refusing > 0 && /the server responded with a status of 4\d\d/.test(text)) return;
    problems.push(`${where()}: console error ${text} (${msg.location().url})`);
  });
  return async (step) => {
    refusing++;
    try {
      await step();
    } finally {
      refusing--;
    }
  };
}

// assertTitle checks the tab's title. The pages set it in an effect, which
// React runs after the page is on screen: a busy machine can be asked for
// the title in between, so it is awaited (a few seconds) before it is
// compared, and a wrong one still fails with both texts.
/* global document -- the function runs in the page */
export async function assertTitle(page, want) {
  await page.waitForFunction((title) => document.title === title, want, { timeout: 5000 }).catch(() => {});
  assert.equal(await page.title(), want);
}
