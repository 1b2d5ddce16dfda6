import { useEffect } from "react";
import { useTranslation } from "react-i18next";

// useAdminTitle names the browser tab after the console page, then the
// console, so an operator's tabs are told apart from the shop's.
export function useAdminTitle(page: string) {
  const { t } = useTranslation("admin");
  const title = t("common.title", { page });
  useEffect(() => {
    document.title = title;
  }, [title]);
}
