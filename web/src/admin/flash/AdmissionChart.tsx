import { useTranslation } from "react-i18next";
import type { AdmissionCounts, AdmissionSecond } from "@gen/mall/seckill/v1/seckill_pb.js";
import { useLang } from "../../hooks/useLang";
import { decimal } from "../../lib/format";
import { countsOf, outcomeColours, outcomes, stackBars } from "./model";

const width = 600;
const height = 160;

// AdmissionChart draws a sale's purchase attempts of the last minute, one
// bar per second coloured by outcome, with a legend of the totals since
// the sale began. Plain SVG: one rectangle per outcome and second.
export function AdmissionChart({ seconds, total }: { seconds: AdmissionSecond[]; total: AdmissionCounts | undefined }) {
  const { t } = useTranslation("admin");
  const lang = useLang();
  const { bars, top } = stackBars(seconds, height);
  const slot = width / Math.max(1, bars.length);
  const totals = countsOf(total);
  return (
    <figure className="flash-chart">
      <div className="flash-chart-scale muted">{t("flash.perSecond", { n: decimal(top, lang) })}</div>
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-label={t("flash.chartLabel")} preserveAspectRatio="none">
        <line x1="0" y1={height - 0.5} x2={width} y2={height - 0.5} stroke="#ccc" />
        <line x1="0" y1="0.5" x2={width} y2="0.5" stroke="#eee" />
        {bars.map((bar, i) => (
          <g key={bar.second} data-second={bar.second} data-total={bar.total}>
            {bar.segments.map((s) => (
              <rect
                key={s.outcome}
                x={i * slot + 1}
                y={s.y}
                width={Math.max(1, slot - 2)}
                height={s.height}
                fill={outcomeColours[s.outcome]}
              />
            ))}
          </g>
        ))}
      </svg>
      <div className="flash-chart-axis muted">
        <span>{t("flash.secondsAgo", { n: Math.max(0, bars.length - 1) })}</span>
        <span>{t("flash.now")}</span>
      </div>
      <figcaption>
        <span className="muted">{t("flash.admissionsTotal")}</span>
        <ul className="flash-legend">
          {outcomes.map((o) => (
            <li key={o} data-outcome={o}>
              <i style={{ background: outcomeColours[o] }} aria-hidden="true" />
              {t(`flash.outcomes.${o}`)} <b>{decimal(totals[o], lang)}</b>
            </li>
          ))}
        </ul>
      </figcaption>
    </figure>
  );
}
