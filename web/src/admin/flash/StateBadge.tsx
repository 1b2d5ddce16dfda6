import { useTranslation } from "react-i18next";
import { EventState } from "@gen/mall/seckill/v1/seckill_pb.js";

const tone: Partial<Record<EventState, string>> = {
  [EventState.PREVIEW]: "warn",
  [EventState.LIVE]: "ok",
  [EventState.ENDED]: "",
  [EventState.UPCOMING]: "",
};

const names = {
  [EventState.PREVIEW]: "EVENT_STATE_PREVIEW",
  [EventState.UPCOMING]: "EVENT_STATE_UPCOMING",
  [EventState.LIVE]: "EVENT_STATE_LIVE",
  [EventState.ENDED]: "EVENT_STATE_ENDED",
} as const;

// StateName is a sale's state in words.
export function StateName({ state }: { state: EventState }) {
  const { t } = useTranslation("admin");
  return state === EventState.UNSPECIFIED ? null : <>{t(`flash.states.${names[state]}`)}</>;
}

// StateBadge names a sale's state for operators.
export function StateBadge({ state }: { state: EventState }) {
  return (
    <span className={`admin-badge ${tone[state] ?? ""}`}>
      <StateName state={state} />
    </span>
  );
}
