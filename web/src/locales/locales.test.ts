import { describe, expect, it } from "vitest";
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
const resources = { "zh-CN": flatten(zhCN), en: flatten(en) };

describe("the texts", () => {
  it("have the same keys in every language", () => {
    expect([...resources.en.keys()].sort()).toEqual([...resources["zh-CN"].keys()].sort());
    expect(resources["zh-CN"].size).toBeGreaterThan(250);
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
