import { useMutation } from "@connectrpc/connect-query";
import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import { EventState, SeckillService, type FlashSaleEvent } from "@gen/mall/seckill/v1/seckill_pb.js";
import { ProductService } from "@gen/mall/product/v1/product_pb.js";
import { FormProblem } from "../../components/ui";
import { useInvalidate } from "../../hooks/useInvalidate";
import { useDeskAction } from "./problems";

// EventActions are what an operator can do with a sale in its state:
// change or publish one in preview, end one that has not ended (after a
// confirmation).
export function EventActions({ event, showDashboard }: { event: FlashSaleEvent; showDashboard?: boolean }) {
  const { t } = useTranslation("admin");
  const invalidate = useInvalidate();
  const action = useDeskAction();
  const publish = useMutation(SeckillService.method.publishEvent);
  const end = useMutation(SeckillService.method.endEvent);
  const [confirming, setConfirming] = useState(false);
  const refresh = () => invalidate(SeckillService, ProductService);
  const preview = event.state === EventState.PREVIEW;
  const ended = event.state === EventState.ENDED;
  return (
    <div className="flash-actions">
      {showDashboard && (
        <Link className="button secondary small" to={`/admin/flash/${event.eventId}`}>
          {t("flash.dashboard")}
        </Link>
      )}
      {preview && !ended && (
        <>
          <Link className="button secondary small" to={`/admin/flash/${event.eventId}/edit`}>
            {t("flash.edit")}
          </Link>
          <button
            type="button"
            className="small"
            disabled={action.busy}
            onClick={() => void action.run(() => publish.mutateAsync({ eventId: event.eventId }).then(refresh))}
          >
            {t("flash.publish")}
          </button>
        </>
      )}
      {!ended && event.endsAt && (
        <button type="button" className="secondary small" disabled={action.busy} onClick={() => setConfirming(true)}>
          {t("flash.endEarly")}
        </button>
      )}
      {confirming && (
        <ConfirmEnd
          busy={action.busy}
          onCancel={() => setConfirming(false)}
          onConfirm={() =>
            void action.run(() => end.mutateAsync({ eventId: event.eventId }).then(refresh)).then(() => setConfirming(false))
          }
        />
      )}
      <FormProblem problem={action.problem} />
    </div>
  );
}

// ConfirmEnd asks before a sale is ended: it cannot be undone.
function ConfirmEnd({ busy, onCancel, onConfirm }: { busy: boolean; onCancel: () => void; onConfirm: () => void }) {
  const { t } = useTranslation("admin");
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) {
      if (typeof d.showModal === "function") d.showModal();
      else d.setAttribute("open", "");
    }
  }, []);
  return (
    <dialog ref={ref} aria-labelledby="flash-end-title" onCancel={onCancel}>
      <h2 id="flash-end-title">{t("flash.confirmEndTitle")}</h2>
      <p>{t("flash.confirmEnd")}</p>
      <div className="flash-actions">
        <button type="button" className="secondary" onClick={onCancel}>
          {t("common.cancel")}
        </button>
        <button type="button" disabled={busy} onClick={onConfirm}>
          {t("flash.confirmEndAction")}
        </button>
      </div>
    </dialog>
  );
}
