import { useMutation } from "@connectrpc/connect-query";
import { useEffect, useRef, useState, type SubmitEvent } from "react";
import { useTranslation } from "react-i18next";
import { OrderService, ShipOutcome, type ShipResult } from "@gen/mall/order/v1/order_pb.js";
import { FormProblem } from "../../components/ui";
import { useFormProblem } from "../../hooks/useFormProblem";
import { useInvalidate } from "../../hooks/useInvalidate";
import { reasonText } from "../../lib/errors";

interface Row {
  orderId: string;
  carrier: string;
  trackingNumber: string;
}

const outcomeNames = ["SHIPPED", "ALREADY_SHIPPED", "REFUSED"] as const;

// BulkShipDialog ships the chosen orders, each with its carrier and
// tracking number, and then shows what happened to each; onClose gets the
// orders that are shipped now.
export function BulkShipDialog({ orderIds, onClose }: { orderIds: string[]; onClose: (shipped: string[]) => void }) {
  const { t } = useTranslation("admin");
  const dialog = useRef<HTMLDialogElement>(null);
  const [rows, setRows] = useState<Row[]>(() => orderIds.map((orderId) => ({ orderId, carrier: "", trackingNumber: "" })));
  const [carrier, setCarrier] = useState("");
  const [results, setResults] = useState<ShipResult[] | null>(null);
  const invalidate = useInvalidate();
  const ship = useMutation(OrderService.method.bulkShipOrders);
  const { problem, busy, submit } = useFormProblem();

  useEffect(() => {
    const d = dialog.current;
    if (d && !d.open) d.showModal();
  }, []);

  const shipped = (results ?? []).filter((r) => r.outcome !== ShipOutcome.REFUSED).map((r) => r.orderId);
  const close = () => {
    dialog.current?.close();
    onClose(shipped);
  };
  const edit = (i: number, field: "carrier" | "trackingNumber", value: string) =>
    setRows((rs) => rs.map((r, j) => (j === i ? { ...r, [field]: value } : r)));
  const send = (e: SubmitEvent) => {
    e.preventDefault();
    void submit(async () => {
      const res = await ship.mutateAsync({ items: rows.map((r) => ({ ...r, carrier: r.carrier.trim(), trackingNumber: r.trackingNumber.trim() })) });
      setResults(res.results);
      await invalidate(OrderService);
    });
  };

  return (
    <dialog ref={dialog} className="admin-bulk-ship" aria-labelledby="bulk-ship-title" onCancel={close}>
      <h2 id="bulk-ship-title">{t("orders.bulk.title")}</h2>
      {results ? (
        <>
          <h3>{t("orders.bulk.results")}</h3>
          <ul className="admin-results">
            {results.map((r) => (
              <li key={r.orderId} data-order={r.orderId} data-outcome={ShipOutcome[r.outcome]}>
                <span className="mono" translate="no">
                  {r.orderId}
                </span>{" "}
                <span className={`admin-badge ${r.outcome === ShipOutcome.REFUSED ? "bad" : "ok"}`}>
                  {t(`orders.bulk.outcome.${outcomeNames.find((n) => ShipOutcome[n] === r.outcome) ?? "UNSPECIFIED"}`)}
                </span>
                {r.reason && <span className="muted"> {reasonText(r.reason)}</span>}
              </li>
            ))}
          </ul>
          <p>
            <button type="button" onClick={close}>
              {t("common.close")}
            </button>
          </p>
        </>
      ) : (
        <form className="admin-form" onSubmit={send}>
          <p className="muted">{t("orders.bulk.intro")}</p>
          <div className="admin-toolbar">
            <label>
              {t("orders.bulk.carrierForAll")}
              <input value={carrier} maxLength={64} onChange={(e) => setCarrier(e.currentTarget.value)} />
            </label>
            <button type="button" className="secondary" onClick={() => setRows((rs) => rs.map((r) => ({ ...r, carrier })))}>
              {t("orders.bulk.applyCarrier")}
            </button>
          </div>
          {rows.map((r, i) => (
            <fieldset key={r.orderId} className="admin-toolbar admin-ship-row" data-order={r.orderId}>
              <legend className="mono" translate="no">
                {r.orderId}
              </legend>
              <label>
                {t("orders.bulk.carrier")}
                <input
                  name={`carrier-${i}`}
                  required
                  maxLength={64}
                  value={r.carrier}
                  aria-invalid={problem?.fields[`items[${i}].carrier`] ? true : undefined}
                  onChange={(e) => edit(i, "carrier", e.currentTarget.value)}
                />
              </label>
              <label>
                {t("orders.bulk.tracking")}
                <input
                  name={`tracking-${i}`}
                  required
                  maxLength={64}
                  value={r.trackingNumber}
                  aria-invalid={problem?.fields[`items[${i}].tracking_number`] ? true : undefined}
                  onChange={(e) => edit(i, "trackingNumber", e.currentTarget.value)}
                />
              </label>
            </fieldset>
          ))}
          <FormProblem problem={problem} />
          <p className="admin-toolbar">
            <button type="submit" disabled={busy}>
              {busy ? t("orders.bulk.shipping") : t("orders.bulk.ship")}
            </button>
            <button type="button" className="secondary" onClick={close}>
              {t("common.cancel")}
            </button>
          </p>
        </form>
      )}
    </dialog>
  );
}
