import { useInfiniteQuery } from "@connectrpc/connect-query";
import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router-dom";
import { EventState, SeckillService } from "@gen/mall/seckill/v1/seckill_pb.js";
import { QueryView } from "../../components/QueryView";
import { MoreOnScroll, When } from "../../components/ui";
import { useLang } from "../../hooks/useLang";
import { money } from "../../lib/format";
import { useAdminTitle } from "../useAdminTitle";
import { EventActions } from "./EventActions";
import { StateBadge, StateName } from "./StateBadge";

// The list's filters, by the state's name in the URL (?state=).
const filters: { id: string; states: EventState[] }[] = [
  { id: "", states: [] },
  { id: "preview", states: [EventState.PREVIEW] },
  { id: "upcoming", states: [EventState.UPCOMING] },
  { id: "live", states: [EventState.LIVE] },
  { id: "ended", states: [EventState.ENDED] },
];

// FlashListPage lists every sale, latest start first, with what can be
// done to each.
export function FlashListPage() {
  const { t } = useTranslation("admin");
  const lang = useLang();
  useAdminTitle(t("flash.title"));
  const [params, setParams] = useSearchParams();
  const filter = filters.find((f) => f.id === (params.get("state") ?? "")) ?? { id: "", states: [] };
  const q = useInfiniteQuery(
    SeckillService.method.adminListEvents,
    { states: [...filter.states], pageSize: 20, pageToken: "" },
    { pageParamKey: "pageToken", getNextPageParam: (last) => last.nextPageToken || undefined },
  );
  return (
    <section className="flash">
      <h1>{t("flash.title")}</h1>
      <p className="muted">{t("flash.intro")}</p>
      <div className="admin-toolbar">
        <label>
          {t("flash.filter")}
          <select value={filter.id} onChange={(e) => setParams(e.target.value ? { state: e.target.value } : {}, { replace: true })}>
            {filters.map((f) => (
              <option key={f.id} value={f.id}>
                {f.states[0] === undefined ? t("flash.all") : <StateName state={f.states[0]} />}
              </option>
            ))}
          </select>
        </label>
        <Link className="button" to="/admin/flash/new">
          {t("flash.create")}
        </Link>
      </div>
      <QueryView query={q} isEmpty={(d) => d.pages.every((p) => p.events.length === 0)} empty={t("flash.empty")}>
        {(d) => (
          <>
            <table className="admin-table flash-table">
              <thead>
                <tr>
                  <th>{t("flash.event")}</th>
                  <th>{t("flash.state")}</th>
                  <th>{t("flash.window")}</th>
                  <th className="num">{t("flash.price")}</th>
                  <th className="num">{t("flash.units")}</th>
                  <th>{t("common.actions")}</th>
                </tr>
              </thead>
              <tbody>
                {d.pages
                  .flatMap((p) => p.events)
                  .map((e) => (
                    <tr key={e.eventId} data-event={e.eventId}>
                      <td data-label={t("flash.event")}>
                        <Link to={`/admin/flash/${e.eventId}`} translate="no">
                          {e.title}
                        </Link>
                        <br />
                        <small className="muted" translate="no">
                          {e.eventId} · {e.productId}
                        </small>
                      </td>
                      <td data-label={t("flash.state")}>
                        <StateBadge state={e.state} />
                        {e.settledAt && (
                          <>
                            <br />
                            <small className="muted">{t("flash.settled", { units: e.returnedUnits.toString() })}</small>
                          </>
                        )}
                      </td>
                      <td data-label={t("flash.window")}>
                        <When at={e.startsAt} /> – <When at={e.endsAt} />
                      </td>
                      <td className="num" data-label={t("flash.price")}>
                        {money(e.priceCents, lang)}
                      </td>
                      <td className="num" data-label={t("flash.units")}>
                        {t("flash.unitsLeft", { left: e.remainingStock.toString(), total: e.totalStock.toString() })}
                      </td>
                      <td data-label={t("common.actions")}>
                        <EventActions event={e} showDashboard />
                      </td>
                    </tr>
                  ))}
              </tbody>
            </table>
            <MoreOnScroll hasMore={q.hasNextPage} loading={q.isFetchingNextPage} onMore={() => void q.fetchNextPage()} />
          </>
        )}
      </QueryView>
    </section>
  );
}
