import { useMutation, useQuery } from "@connectrpc/connect-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { AttentionKind, OpsService, type AttentionItem } from "@gen/mall/ops/v1/ops_pb.js";
import { QueryView } from "../../components/QueryView";
import { FormProblem, When } from "../../components/ui";
import { useFormProblem } from "../../hooks/useFormProblem";
import { useInvalidate } from "../../hooks/useInvalidate";
import { useLang } from "../../hooks/useLang";
import { money } from "../../lib/format";
import { useAdminTitle } from "../useAdminTitle";
import { workflowLink } from "./temporal";

// How often the list asks again: an operator keeps it open while sagas
// move on by themselves.
const refreshEvery = 5000;

// AttentionPage lists what needs a person (refused refunds, stuck
// payments, retrying workflows), with the actions that resolve each item.
export function AttentionPage() {
  const { t } = useTranslation("admin");
  useAdminTitle(t("attention.title"));
  const [includeHandled, setIncludeHandled] = useState(false);
  const q = useQuery(OpsService.method.listAttention, { includeHandled }, { refetchInterval: refreshEvery });
  return (
    <section>
      <h1>{t("attention.title")}</h1>
      <p className="muted">{t("attention.intro")}</p>
      <div className="admin-toolbar">
        <label className="admin-check">
          <input type="checkbox" checked={includeHandled} onChange={(e) => setIncludeHandled(e.target.checked)} />
          {t("attention.showHandled")}
        </label>
        <button type="button" className="secondary" onClick={() => void q.refetch()}>
          {t("common.refresh")}
        </button>
      </div>
      <QueryView query={q} isEmpty={(d) => d.items.length === 0 && d.incomplete.length === 0} empty={t("attention.empty")}>
        {(d) => (
          <>
            {d.incomplete.length > 0 && (
              <p className="admin-badge warn" role="status">
                {t("attention.incomplete")}
              </p>
            )}
            <table className="admin-table attention-table">
              <thead>
                <tr>
                  <th>{t("attention.kind")}</th>
                  <th>{t("attention.order")}</th>
                  <th className="num">{t("attention.amount")}</th>
                  <th>{t("attention.reason")}</th>
                  <th>{t("attention.since")}</th>
                  <th>{t("attention.workflow")}</th>
                  <th>{t("common.actions")}</th>
                </tr>
              </thead>
              <tbody>
                {d.items.map((item) => (
                  <ItemRow
                    key={item.itemId}
                    item={item}
                    link={workflowLink(d.temporalUiUrl, d.temporalNamespace, item.workflowId, item.runId)}
                  />
                ))}
              </tbody>
            </table>
          </>
        )}
      </QueryView>
    </section>
  );
}

function ItemRow({ item, link }: { item: AttentionItem; link: string | undefined }) {
  const { t } = useTranslation("admin");
  const lang = useLang();
  const kind = kindText(item.kind);
  const reasonKey = item.reasonCode in reasonKeys ? (item.reasonCode as keyof typeof reasonKeys) : undefined;
  return (
    <tr data-item={item.itemId}>
      <td data-label={t("attention.kind")}>
        <span className={`admin-badge ${item.handled ? "ok" : "bad"}`}>{t(`attention.kinds.${kind}`)}</span>
      </td>
      <td data-label={t("attention.order")}>
        {item.orderId ? (
          <Link to={`/admin/orders/${encodeURIComponent(item.orderId)}`} translate="no">
            {item.orderId}
          </Link>
        ) : (
          t("common.none")
        )}
        {item.userId && (
          <div className="muted" translate="no">
            {t("attention.user")} {item.userId}
          </div>
        )}
      </td>
      <td className="num" data-label={t("attention.amount")}>
        {item.amountCents > 0n ? money(item.amountCents, lang) : ""}
      </td>
      <td data-label={t("attention.reason")}>
        {reasonKey ? t(`attention.reasons.${reasonKey}`) : <span translate="no">{item.reasonCode}</span>}
        {item.activityType && (
          <div className="muted">
            <span translate="no">{item.activityType}</span> · {t("attention.attempt", { attempt: item.attempt })}
          </div>
        )}
        {item.kind === AttentionKind.WORKFLOW_RETRYING && item.reason && (
          <div className="muted" translate="no">
            {item.reason}
          </div>
        )}
        {item.handled && (
          <div className="muted">
            {t("attention.handledBy", { who: item.handledBy, note: item.handledNote })}
          </div>
        )}
      </td>
      <td data-label={t("attention.since")}>
        <When at={item.since} />
      </td>
      <td data-label={t("attention.workflow")}>
        {link ? (
          <a href={link} target="_blank" rel="noreferrer">
            {t("common.temporal")}
          </a>
        ) : (
          <span translate="no">{item.workflowId}</span>
        )}
      </td>
      <td data-label={t("common.actions")}>{item.handled ? t("attention.handled") : <ItemActions item={item} />}</td>
    </tr>
  );
}

// kindText names a kind's text; a kind this page does not know yet is "other".
function kindText(kind: AttentionKind): keyof typeof AttentionKind {
  const name = AttentionKind[kind] as keyof typeof AttentionKind | undefined;
  return name ?? "UNSPECIFIED";
}

// reasonKeys are the reason codes with a text of their own.
const reasonKeys = {
  REFUND_REFUSED: true,
  PAYMENT_DEADLINE_PASSED: true,
  ACTIVITY_RETRYING: true,
  WORKFLOW_TASK_RETRYING: true,
} as const;

// ItemActions retries an item, or marks it handled with a note.
function ItemActions({ item }: { item: AttentionItem }) {
  const { t } = useTranslation("admin");
  const invalidate = useInvalidate();
  const retry = useMutation(OpsService.method.retryAttention);
  const mark = useMutation(OpsService.method.markAttentionHandled);
  const { problem, busy, submit } = useFormProblem();
  const [retried, setRetried] = useState(false);
  const [noting, setNoting] = useState(false);
  const [note, setNote] = useState("");
  const noteId = `note-${item.itemId}`;
  return (
    <div className="attention-actions">
      <FormProblem problem={problem} />
      {retried && <p role="status">{t("attention.retried")}</p>}
      {!noting && (
        <>
          <button
            type="button"
            className="small"
            disabled={busy}
            onClick={() =>
              void submit(async () => {
                await retry.mutateAsync({ itemId: item.itemId });
                setRetried(true);
                await invalidate(OpsService);
              })
            }
          >
            {t("attention.retry")}
          </button>{" "}
          <button type="button" className="small secondary" disabled={busy} onClick={() => setNoting(true)}>
            {t("attention.markHandled")}
          </button>
        </>
      )}
      {noting && (
        <form
          className="admin-form"
          onSubmit={(e) => {
            e.preventDefault();
            void submit(async () => {
              await mark.mutateAsync({ itemId: item.itemId, note: note.trim() });
              await invalidate(OpsService);
            });
          }}
        >
          <label htmlFor={noteId}>
            {t("attention.note")}
            <textarea
              id={noteId}
              required
              maxLength={500}
              value={note}
              placeholder={t("attention.notePlaceholder")}
              onChange={(e) => setNote(e.target.value)}
            />
          </label>
          <p>
            <button type="submit" className="small" disabled={busy || note.trim() === ""}>
              {t("attention.markHandled")}
            </button>{" "}
            <button type="button" className="small secondary" onClick={() => setNoting(false)}>
              {t("common.cancel")}
            </button>
          </p>
        </form>
      )}
    </div>
  );
}
