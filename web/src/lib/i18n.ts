import i18next from "i18next";
import LanguageDetector from "i18next-browser-languagedetector";
import { initReactI18next } from "react-i18next";
import en from "../locales/en";
import zhCN from "../locales/zh-CN";

// The shop speaks Simplified Chinese first and English second.
export type Lang = "zh-CN" | "en";

// languages are the switch's choices, each named in its own language.
export const languages: { code: Lang; name: string }[] = [
  { code: "zh-CN", name: "简体中文" },
  { code: "en", name: "English" },
];

// The shopper's explicit choice; without one, the browser's languages decide
// on every visit.
const storageKey = "mall.lang";

export const i18n = i18next.createInstance();

void i18n
  .use(LanguageDetector)
  .use(initReactI18next)
  .init({
    resources: { "zh-CN": { translation: zhCN }, en: { translation: en } },
    // Of the browser's languages, the first the shop has wins: en-US and
    // en-GB find en, zh-TW and zh-HK find zh-CN (i18next matches on the
    // language part); none of them, the default.
    supportedLngs: ["zh-CN", "en"],
    fallbackLng: "zh-CN",
    // ?lng=en (or ?lng=cimode, which shows every text as its key), the
    // saved choice, then the browser's list. Nothing is saved by detection:
    // only chooseLanguage saves.
    detection: { order: ["querystring", "localStorage", "navigator"], lookupLocalStorage: storageKey, caches: [] },
    // Resources are bundled: t works as soon as this module has run.
    initAsync: false,
    // React escapes what it renders.
    interpolation: { escapeValue: false },
    react: { useSuspense: false },
  });

// langOf is the language of the texts shown, as Intl and <html lang> name
// it; cimode (keys instead of texts) formats numbers and dates in English.
export function langOf(resolved: string | undefined): Lang {
  return resolved?.startsWith("en") || resolved === "cimode" ? "en" : "zh-CN";
}

export function currentLang(): Lang {
  return langOf(i18n.resolvedLanguage ?? i18n.language);
}

// chooseLanguage switches the shop's language and remembers the choice.
export async function chooseLanguage(lang: Lang): Promise<void> {
  try {
    localStorage.setItem(storageKey, lang);
  } catch {
    // Storage may be unavailable (private mode): the choice lasts this visit.
  }
  await i18n.changeLanguage(lang);
}

// The page's language follows the texts', for screen readers, hyphenation
// and the CJK font's glyph variants.
function syncDocument() {
  if (typeof document !== "undefined" && i18n.language !== "cimode") document.documentElement.lang = currentLang();
}
i18n.on("languageChanged", syncDocument);
syncDocument();
