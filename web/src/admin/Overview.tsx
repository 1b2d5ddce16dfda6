import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { useAdminTitle } from "./useAdminTitle";
import { areas } from "./AdminLayout";

// OverviewPage is the console's front page: what each area is for.
export function OverviewPage() {
  const { t } = useTranslation("admin");
  useAdminTitle(t("common.overview"));
  return (
    <section>
      <h1>{t("common.console")}</h1>
      <p className="muted">{t("common.overviewIntro")}</p>
      <ul className="admin-areas">
        {areas.map((a) => (
          <li key={a.path}>
            <Link to={`/admin/${a.path}`}>
              <strong>{t(`common.${a.key}`)}</strong>
              <span>{t(`common.${a.key}About`)}</span>
            </Link>
          </li>
        ))}
      </ul>
    </section>
  );
}
