import { useEffect } from "react";
import { useTranslation } from "react-i18next";

// useTitle names the browser tab after the page, then the shop; without a
// page title, the shop alone.
export function useTitle(page?: string) {
  const { t } = useTranslation();
  const shop = t("app.name");
  useEffect(() => {
    document.title = page ? `${page} - ${shop}` : shop;
  }, [page, shop]);
}
