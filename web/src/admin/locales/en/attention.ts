import type attention from "../zh-CN/attention";

const en: typeof attention = {
  title: "Needs attention",
  intro:
    "Refunds the payment provider refused, orders still unpaid past their payment deadline, and workflows retrying for long. Retry, or mark handled once settled; the list refreshes every 5 seconds.",
  showHandled: "Show handled",
  empty: "Nothing needs attention.",
  incomplete: "Temporal cannot be read right now: retrying workflows may be missing.",
  kind: "Kind",
  order: "Order",
  user: "User",
  amount: "Amount",
  reason: "Reason",
  since: "Since",
  workflow: "Workflow",
  attempt: "attempt {{attempt}}",
  retry: "Retry",
  retried: "Started again; refresh in a moment to see how it went.",
  markHandled: "Mark handled",
  note: "What was done",
  notePlaceholder: "e.g. refunded by bank transfer",
  handledBy: "Handled by {{who}}: {{note}}",
  handled: "Handled",
  kinds: {
    UNSPECIFIED: "Other",
    REFUND_REFUSED: "Refund refused",
    PAYMENT_STUCK: "Payment stuck",
    WORKFLOW_RETRYING: "Workflow retrying",
  },
  reasons: {
    REFUND_REFUSED: "The payment provider refused the refund; the order is held back from shipping",
    PAYMENT_DEADLINE_PASSED: "Still unpaid past its payment deadline",
    ACTIVITY_RETRYING: "A workflow step keeps failing",
    WORKFLOW_TASK_RETRYING: "The workflow's code keeps failing",
  },
};
export default en;
