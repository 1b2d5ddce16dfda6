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
// change or publish one in preview, end one that has not ended (each of
// the last two after a confirmation).
export function EventActions({ event, showDashboard }: { event: FlashSaleEvent; showDashboard?: boolean }) {
  const { t } = useTranslation("admin");
  const invalidate = useInvalidate();
  const action = useDeskAction();
  const publish = useMutation(SeckillService.method.publishEvent);
  const end = useMutation(SeckillService.method.endEvent);
  const [confirming, setConfirming] = useState<"publish" | "end" | null>(null);
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
          <button type="button" className="small" disabled={action.busy} onClick={() => setConfirming("publish")}>
            {t("flash.publish")}
          </button>
        </>
      )}
      {!ended && event.endsAt && (
        <button type="button" className="secondary small" disabled={action.busy} onClick={() => setConfirming("end")}>
          {t("flash.endEarly")}
        </button>
      )}
      {confirming === "end" && (
        <Confirm
          id="flash-end-title"
          title={t("flash.confirmEndTitle")}
          text={t("flash.confirmEnd")}
          action={t("flash.confirmEndAction")}
          busy={action.busy}
          onCancel={() => setConfirming(null)}
          onConfirm={() =>
            void action.run(() => end.mutateAsync({ eventId: event.eventId }).then(refresh)).then(() => setConfirming(null))
          }
        />
      )}
      {confirming === "publish" && (
        <Confirm
          id="flash-publish-title"
          title={t("flash.confirmPublishTitle")}
          text={t("flash.confirmPublish")}
          action={t("flash.confirmPublishAction")}
          busy={action.busy}
          onCancel={() => setConfirming(null)}
          onConfirm={() =>
            void action.run(() => publish.mutateAsync({ eventId: event.eventId }).then(refresh)).then(() => setConfirming(null))
          }
        />
      )}
      <FormProblem problem={action.problem} />
    </div>
  );
}

// Confirm asks before a step that cannot be undone: a published sale can
// no longer be changed, an ended one not reopened.
function Confirm(props: {
  id: string;
  title: string;
  text: string;
  action: string;
  busy: boolean;
  onCancel: () => void;
  onConfirm: () => void;
}) {
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
    <dialog ref={ref} aria-labelledby={props.id} onCancel={props.onCancel}>
      <h2 id={props.id}>{props.title}</h2>
      <p>{props.text}</p>
      <div className="flash-actions">
        <button type="button" className="secondary" onClick={props.onCancel}>
          {t("common.cancel")}
        </button>
        <button type="button" disabled={props.busy} onClick={props.onConfirm}>
          {props.action}
        </button>
      </div>
    </dialog>
  );
}
