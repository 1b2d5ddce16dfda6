import { useQuery } from "@connectrpc/connect-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router-dom";
import { SeckillService, type GetEventDashboardResponse } from "@gen/mall/seckill/v1/seckill_pb.js";
import { QueryView } from "../../components/QueryView";
import { useLang } from "../../hooks/useLang";
import { When } from "../../components/ui";
import { decimal, millis, money, percent } from "../../lib/format";
import { useAdminTitle } from "../useAdminTitle";
import { AdmissionChart } from "./AdmissionChart";
import { EventActions } from "./EventActions";
import { conversionBps } from "./model";
import { StateBadge } from "./StateBadge";

// FlashDashboardPage is a sale's live dashboard, asked for again every
// second while it is shown (unless paused): units left, purchase attempts
// per second by outcome, orders written and paid, expired and resold
// units, and the order writers' backlog.
export function FlashDashboardPage() {
  const { t } = useTranslation("admin");
  useAdminTitle(t("flash.dashboardTitle"));
  const { eventId = "" } = useParams();
  const [paused, setPaused] = useState(false);
  const q = useQuery(SeckillService.method.getEventDashboard, { eventId }, { refetchInterval: paused ? false : 1000 });
  return (
    <section className="flash flash-dashboard">
      <p>
        <Link className="button secondary" to="/admin/flash">
          {t("flash.back")}
        </Link>
      </p>
      <QueryView query={q}>{(d) => <Dashboard d={d} paused={paused} onPause={setPaused} />}</QueryView>
    </section>
  );
}

// Dashboard shows one answer of GetEventDashboard.
export function Dashboard({ d, paused, onPause }: { d: GetEventDashboardResponse; paused: boolean; onPause: (p: boolean) => void }) {
  const { t } = useTranslation("admin");
  const lang = useLang();
  const e = d.event;
  if (!e) return null;
  const n = (v: bigint) => decimal(Number(v), lang);
  const lagKnown = d.writerLag >= 0n;
  return (
    <>
      <h1>
        <span translate="no">{e.title}</span> <StateBadge state={e.state} />
      </h1>
      <p className="muted">
        <span translate="no">{e.eventId}</span> · {money(e.priceCents, lang)} · <When at={e.startsAt} /> – <When at={e.endsAt} />
      </p>
      <div className="admin-toolbar">
        <EventActions event={e} />
        <span className="muted" aria-live="off">
          {paused ? t("flash.paused") : t("flash.live")} · {t("flash.updatedAt")}{" "}
          {d.at && <time dateTime={new Date(millis(d.at)).toISOString()}>{new Date(millis(d.at)).toLocaleTimeString(lang)}</time>}
        </span>
        <button type="button" className="secondary small" onClick={() => onPause(!paused)}>
          {paused ? t("flash.resume") : t("flash.pause")}
        </button>
      </div>
      <dl className="admin-stats">
        <div data-stat="units-left">
          <dt>{t("flash.statUnitsLeft")}</dt>
          <dd>{t("flash.unitsLeft", { left: n(e.remainingStock), total: n(e.totalStock) })}</dd>
        </div>
        <div data-stat="orders">
          <dt>{t("flash.statOrders")}</dt>
          <dd>{n(d.ordersWritten)}</dd>
        </div>
        <div data-stat="paid">
          <dt>{t("flash.statPaid")}</dt>
          <dd>{n(d.ordersPaid)}</dd>
        </div>
        <div data-stat="conversion">
          <dt>{t("flash.statConversion")}</dt>
          <dd>{percent(conversionBps(d.ordersPaid, d.ordersWritten), lang)}</dd>
        </div>
        <div data-stat="expired">
          <dt>{t("flash.statExpired")}</dt>
          <dd>{n(d.unitsExpired)}</dd>
        </div>
        <div data-stat="resold">
          <dt>{t("flash.statResold")}</dt>
          <dd>{n(d.unitsResold)}</dd>
        </div>
        <div data-stat="lag">
          <dt>{t("flash.statLag")}</dt>
          <dd>{lagKnown ? n(d.writerLag) : t("flash.lagUnknown")}</dd>
        </div>
      </dl>
      <div className="admin-panel">
        <h2>{t("flash.admissionsTitle")}</h2>
        <AdmissionChart seconds={d.admissions} total={d.admissionsTotal} />
      </div>
      {lagKnown && d.writerLagPartitions.length > 0 && (
        <div className="admin-panel">
          <h2>{t("flash.lagPartitions")}</h2>
          <ul className="flash-partitions">
            {d.writerLagPartitions.map((p) => (
              <li key={p.partition}>
                {t("flash.partition", { n: p.partition })}: <b>{n(p.lag)}</b>
              </li>
            ))}
          </ul>
        </div>
      )}
    </>
  );
}
