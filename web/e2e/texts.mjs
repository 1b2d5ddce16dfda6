// The shop's own texts for the journey: the locale files of the SPA
// (src/locales/*.ts), so a step finds a button by the words a shopper of
// that language sees, and a changed wording changes the test with it.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";

const locales = join(import.meta.dirname, "..", "src", "locales");
const files = { "zh-CN": "zh-CN.ts", en: "en.ts" };

async function load(lang) {
  const source = readFileSync(join(locales, files[lang]), "utf8");
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  });
  const module = await import(`data:text/javascript;base64,${Buffer.from(outputText).toString("base64")}`);
  return module.default;
}

// texts returns t(key, values) for lang: the text at the dotted key with its
// {{name}} placeholders filled from values, as i18next fills them (without
// values, the text as written); an unknown key throws.
export async function texts(lang) {
  const messages = await load(lang);
  return (key, values) => {
    const text = key.split(".").reduce((node, part) => node?.[part], messages);
    if (typeof text !== "string") throw new Error(`no ${lang} text at ${key}`);
    if (values === undefined) return text;
    return text.replace(/\{\{(\w+)\}\}/g, (_, name) => {
      if (!(name in values)) throw new Error(`${lang} ${key}: no value for {{${name}}}`);
      return String(values[name]);
    });
  };
}
