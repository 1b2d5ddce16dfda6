// The shop's own texts for the journeys: the locale files of the SPA
// (src/locales/*.ts, and the console's src/admin/locales/<lang>/*.ts), so a
// step finds a button by the words a shopper or an operator of that
// language sees, and a changed wording changes the test with it.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";

const src = join(import.meta.dirname, "..", "src");
const files = { "zh-CN": "zh-CN.ts", en: "en.ts" };

// importTS runs a locale file that imports nothing but types.
async function importTS(path) {
  const { outputText } = ts.transpileModule(readFileSync(path, "utf8"), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  });
  const module = await import(`data:text/javascript;base64,${Buffer.from(outputText).toString("base64")}`);
  return module.default;
}

// load reads the shop's texts, with the console's under "admin:" as
// i18next names that namespace: each area file under its own name, as the
// folder's index.ts puts them (a Vitest test holds it to that).
async function load(lang) {
  const messages = await importTS(join(src, "locales", files[lang]));
  const admin = {};
  const folder = join(src, "admin", "locales", lang);
  for (const file of readdirSync(folder).filter((f) => f.endsWith(".ts") && f !== "index.ts")) {
    admin[file.slice(0, -3)] = await importTS(join(folder, file));
  }
  return { ...messages, "admin:": admin };
}

// texts returns t(key, values) for lang ("admin:orders.title" for the
// console's): the text at the dotted key with its
// {{name}} placeholders filled from values, as i18next fills them (without
// values, the text as written); an unknown key throws.
export async function texts(lang) {
  const messages = await load(lang);
  return (key, values) => {
    const [tree, path] = key.startsWith("admin:") ? [messages["admin:"], key.slice(6)] : [messages, key];
    const text = path.split(".").reduce((node, part) => node?.[part], tree);
    if (typeof text !== "string") throw new Error(`no ${lang} text at ${key}`);
    if (values === undefined) return text;
    return text.replace(/\{\{(\w+)\}\}/g, (_, name) => {
      if (!(name in values)) throw new Error(`${lang} ${key}: no value for {{${name}}}`);
      return String(values[name]);
    });
  };
}
