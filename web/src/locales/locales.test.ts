import { describe, expect, it } from "vitest";
import adminEn from "../admin/locales/en";
import adminZhCN from "../admin/locales/zh-CN";
import en from "./en";
import zhCN from "./zh-CN";

// flatten lists a resource's texts by dotted key.
function flatten(tree: object, prefix = ""): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(tree) as [string, unknown][]) {
    const key = prefix + k;
    if (typeof v === "string") out.set(key, v);
    else if (typeof v === "object" && v !== null) for (const [kk, vv] of flatten(v, `${key}.`)) out.set(kk, vv);
    else throw new Error(`${key} is neither a text nor a group`);
  }
  return out;
}

// What a text takes from the code: {{values}} and <components>.
const slots = (text: string) => [...text.matchAll(/\{\{\s*(\w+)[^}]*\}\}|<(\w+)>/g)].map((m) => m[1] ?? `<${m[2] ?? ""}>`).sort();

const cjk = /[\u3400-\u9fff]/;
// The shop's texts and the console's (namespace "admin"), keyed as t()
// names them in each.
const namespaced = (shop: object, admin: object) => new Map([...flatten(shop), ...flatten(admin, "admin:")]);
const resources = { "zh-CN": namespaced(zhCN, adminZhCN), en: namespaced(en, adminEn) };

describe("the texts", () => {
  it("have the same keys in every language", () => {
    expect([...resources.en.keys()].sort()).toEqual([...resources["zh-CN"].keys()].sort());
    expect(resources["zh-CN"].size).toBeGreaterThan(250);
  });

  it("of the console are every area file of its locale folder, under the file's name", () => {
    // The browser journey reads the folder file by file (e2e/texts.mjs).
    for (const [lang, tree] of [["zh-CN", adminZhCN], ["en", adminEn]] as const) {
      const files = Object.keys(import.meta.glob("../admin/locales/*/*.ts"))
        .filter((f) => f.includes(`/${lang}/`) && !f.endsWith("/index.ts"))
        .map((f) => f.replace(/^.*\/(\w+)\.ts$/, "$1"))
        .sort();
      expect(Object.keys(tree).sort(), lang).toEqual(files);
    }
  });

  it("have no empty text", () => {
    for (const [lang, texts] of Object.entries(resources)) {
      for (const [key, text] of texts) expect(text.trim(), `${lang} ${key}`).not.toBe("");
    }
  });

  it("put in the same values and components in every language", () => {
    for (const [key, text] of resources["zh-CN"]) expect(slots(resources.en.get(key) ?? ""), key).toEqual(slots(text));
  });

  it("wrap words only in components that can hold them", () => {
    // <Trans> parses a text as HTML: a void element's name (<link>, <img>)
    // would close at once and leave the words outside the component.
    const voids = new Set(["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"]);
    for (const [lang, texts] of Object.entries(resources)) {
      for (const [key, text] of texts) {
        for (const [, tag = ""] of text.matchAll(/<(\w+)>/g)) expect(voids.has(tag), `${lang} ${key} <${tag}>`).toBe(false);
      }
    }
  });

  it("are Chinese in zh-CN and not in en: nothing left untranslated", () => {
    for (const [key, text] of resources["zh-CN"]) expect(text, key).toMatch(cjk);
    for (const [key, text] of resources.en) expect(text, key).not.toMatch(cjk);
  });
});
