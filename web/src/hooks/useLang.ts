import { useTranslation } from "react-i18next";
import { langOf, type Lang } from "../lib/i18n";

// useLang is the language the page shows, for formatting numbers and dates
// to match its texts; a component using it renders again on a switch.
export function useLang(): Lang {
  const { i18n } = useTranslation();
  return langOf(i18n.resolvedLanguage ?? i18n.language);
}
