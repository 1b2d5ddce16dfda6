import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { useInfiniteQuery } from "@connectrpc/connect-query";
import { useState, type SyntheticEvent } from "react";
import { useTranslation } from "react-i18next";
import { OpsService, type AuditEntry } from "@gen/mall/ops/v1/ops_pb.js";
import { QueryView } from "../../components/QueryView";
import { When } from "../../components/ui";
import { useAdminTitle } from "../useAdminTitle";
import { changes, pretty } from "./diff";
import { auditActions, isAuditAction, refusalText, splitTarget } from "./words";

interface Filter {
  actor: string;
  action: string;
  target: string;
  since: string; // datetime-local values, the operator's time zone
  until: string;
}

const noFilter: Filter = { actor: "", action: "", target: "", since: "", until: "" };

// requestOf is the ListAuditEntries request of a filter.
function requestOf(f: Filter) {
  const at = (local: string) => (local ? timestampFromDate(new Date(local)) : undefined);
  return {
    actor: f.actor.trim(),
    action: f.action.trim(),
    targetContains: f.target.trim(),
    since: at(f.since),
    until: at(f.until),
    pageSize: 50,
    pageToken: "",
  };
}

// AuditPage lists operator actions, newest first, filtered by operator,
// action, target and time; each opens to what it changed.
export function AuditPage() {
  const { t } = useTranslation("admin");
  useAdminTitle(t("audit.title"));
  const [draft, setDraft] = useState<Filter>(noFilter);
  const [filter, setFilter] = useState<Filter>(noFilter);
  const q = useInfiniteQuery(OpsService.method.listAuditEntries, requestOf(filter), {
    pageParamKey: "pageToken",
    getNextPageParam: (last) => last.nextPageToken || undefined,
  });
  const entries = q.data?.pages.flatMap((p) => p.entries) ?? [];
  const field = (key: keyof Filter, label: string, type = "text", hint?: string) => (
    <label>
      {label}
      <input
        type={type}
        value={draft[key]}
        placeholder={hint}
        maxLength={200}
        onChange={(e) => setDraft({ ...draft, [key]: e.target.value })}
      />
    </label>
  );
  const apply = (e: SyntheticEvent) => {
    e.preventDefault();
    setFilter(draft);
  };
  return (
    <section>
      <h1>{t("audit.title")}</h1>
      <p className="muted">{t("audit.intro")}</p>
      <form className="admin-toolbar" onSubmit={apply} role="search">
        {field("actor", t("audit.actor"), "text", t("audit.actorHint"))}
        <label>
          {t("audit.action")}
          <select value={draft.action} onChange={(e) => setDraft({ ...draft, action: e.target.value })}>
            <option value="">{t("audit.anyAction")}</option>
            {auditActions.map((a) => (
              <option key={a} value={a}>
                {t(`audit.actionName.${a}`)}
              </option>
            ))}
          </select>
        </label>
        {field("target", t("audit.target"), "text", t("audit.targetHint"))}
        {field("since", t("audit.since"), "datetime-local")}
        {field("until", t("audit.until"), "datetime-local")}
        <button type="submit">{t("common.search")}</button>
        <button
          type="button"
          className="secondary"
          onClick={() => {
            setDraft(noFilter);
            setFilter(noFilter);
          }}
        >
          {t("common.reset")}
        </button>
      </form>
      <QueryView query={q} isEmpty={() => entries.length === 0} empty={t("audit.empty")}>
        {() => (
          <>
            <table className="admin-table audit-table">
              <thead>
                <tr>
                  <th>{t("audit.at")}</th>
                  <th>{t("audit.actor")}</th>
                  <th>{t("audit.action")}</th>
                  <th>{t("audit.target")}</th>
                  <th>{t("audit.outcome")}</th>
                  <th>{t("audit.details")}</th>
                </tr>
              </thead>
              <tbody>
                {entries.map((e) => (
                  <EntryRow key={e.entryId} entry={e} />
                ))}
              </tbody>
            </table>
            {q.hasNextPage && (
              <p>
                <button type="button" className="secondary" disabled={q.isFetchingNextPage} onClick={() => void q.fetchNextPage()}>
                  {t("common.loadMore")}
                </button>
              </p>
            )}
          </>
        )}
      </QueryView>
    </section>
  );
}

function Outcome({ entry }: { entry: AuditEntry }) {
  const { t } = useTranslation("admin");
  if (entry.outcomeCode === "") return <span className="admin-badge warn">{t("audit.pending")}</span>;
  if (entry.outcomeCode === "ok") return <span className="admin-badge ok">{t("audit.ok")}</span>;
  // The sentence the operator saw; the code and reason stay in the markup
  // for whoever compares with the services' logs.
  return (
    <span className="audit-refused" data-code={entry.outcomeCode} data-reason={entry.outcomeReason || undefined}>
      <span className="admin-badge bad">{t("audit.refused")}</span> {refusalText(entry.outcomeCode, entry.outcomeReason)}
    </span>
  );
}

function Target({ target }: { target: string }) {
  const { t } = useTranslation("admin");
  const { kind, ids } = splitTarget(target);
  return (
    <>
      {kind && t(`audit.targetKind.${kind}`)}
      {kind && ids && " "}
      {ids && (
        <span className="mono" translate="no">
          {ids}
        </span>
      )}
    </>
  );
}

function EntryRow({ entry }: { entry: AuditEntry }) {
  const { t } = useTranslation("admin");
  const [open, setOpen] = useState(false);
  return (
    <>
      <tr data-entry={entry.entryId}>
        <td data-label={t("audit.at")}>
          <When at={entry.at} />
        </td>
        <td data-label={t("audit.actor")} className="audit-actor" translate="no">
          {entry.actorUsername || entry.actorId}
        </td>
        <td data-label={t("audit.action")} className="audit-action">
          {isAuditAction(entry.action) ? t(`audit.actionName.${entry.action}`) : <span translate="no">{entry.action}</span>}
        </td>
        <td data-label={t("audit.target")}>
          <Target target={entry.target} />
        </td>
        <td data-label={t("audit.outcome")}>
          <Outcome entry={entry} />
        </td>
        <td data-label={t("audit.details")}>
          <button type="button" className="small secondary" aria-expanded={open} onClick={() => setOpen(!open)}>
            {open ? t("audit.hideDetails") : t("audit.details")}
          </button>
        </td>
      </tr>
      {open && (
        <tr className="audit-details">
          <td colSpan={6}>
            <EntryDetails entry={entry} />
          </td>
        </tr>
      )}
    </>
  );
}

// EntryDetails shows what an action changed, field by field, then the
// request and both states in full.
function EntryDetails({ entry }: { entry: AuditEntry }) {
  const { t } = useTranslation("admin");
  const changed = changes(entry.beforeJson, entry.afterJson);
  const absent = <span className="muted">{t("audit.absent")}</span>;
  return (
    <div className="audit-diff">
      <h3>{t("audit.changes")}</h3>
      {changed.length === 0 ? (
        <p className="muted">{t("audit.noChanges")}</p>
      ) : (
        <table className="admin-table">
          <thead>
            <tr>
              <th>{t("audit.field")}</th>
              <th>{t("audit.before")}</th>
              <th>{t("audit.after")}</th>
            </tr>
          </thead>
          <tbody>
            {changed.map((c) => (
              <tr key={c.path}>
                <td data-label={t("audit.field")} translate="no">
                  {c.path}
                </td>
                <td data-label={t("audit.before")} className="audit-before">
                  {c.before === undefined ? absent : <span translate="no">{c.before}</span>}
                </td>
                <td data-label={t("audit.after")} className="audit-after">
                  {c.after === undefined ? absent : <span translate="no">{c.after}</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div className="audit-json">
        {(
          [
            ["request", entry.requestJson],
            ["before", entry.beforeJson],
            ["after", entry.afterJson],
          ] as const
        ).map(([key, json]) => (
          <div key={key}>
            <h3>{t(`audit.${key}`)}</h3>
            {json ? <pre translate="no">{pretty(json)}</pre> : <p className="muted">{t("audit.absent")}</p>}
          </div>
        ))}
      </div>
    </div>
  );
}
