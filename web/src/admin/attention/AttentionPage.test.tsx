// @vitest-environment happy-dom
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { cleanup, configure, fireEvent, render, screen, waitFor } from "@testing-library/react";
import type { ReactNode } from "react";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  AttentionKind,
  ListAttentionResponseSchema,
  MarkAttentionHandledResponseSchema,
  OpsService,
  type MarkAttentionHandledRequest,
} from "@gen/mall/ops/v1/ops_pb.js";
import { i18n } from "../../lib/i18n";
import { refused, servedBy } from "../../testing";
import "../i18n";
import { AttentionPage } from "./AttentionPage";

// The router's Link as an anchor: the test runs the page without a router
// (react-router-dom's Node build would bring React itself).
vi.mock("react-router-dom", () => ({
  Link: ({ to, children, ...rest }: { to: string; children: ReactNode }) => (
    <a href={to} {...rest}>
      {children}
    </a>
  ),
}));

afterEach(cleanup);
configure({ asyncUtilTimeout: 10_000 });
beforeAll(() => i18n.changeLanguage("zh-CN"));

const item = {
  itemId: "0123456789abcdef0123456789abcdef",
  kind: AttentionKind.REFUND_REFUSED,
  orderId: "o-42",
  userId: "u-7",
  amountCents: 12_900n,
  reasonCode: "REFUND_REFUSED",
  reason: "the payment provider refused the refund",
  since: timestampFromDate(new Date("2026-12-03T08:00:00Z")),
  workflowId: "cancel-o-42",
  runId: "run-1",
};

// The ops service as the page meets it: one refused refund until it is
// marked handled; retries are refused as gone.
function service() {
  const marks: MarkAttentionHandledRequest[] = [];
  const Providers = servedBy((router) =>
    router.service(OpsService, {
      listAttention: () =>
        create(ListAttentionResponseSchema, {
          items: marks.length > 0 ? [] : [item],
          temporalUiUrl: "http://localhost:8233",
          temporalNamespace: "default",
        }),
      retryAttention: () => {
        throw refused(Code.FailedPrecondition, "ATTENTION_ITEM_GONE");
      },
      markAttentionHandled: (req) => {
        marks.push(req);
        return create(MarkAttentionHandledResponseSchema, { item: { ...item, handled: true, handledNote: req.note } });
      },
    }),
  );
  return { wrapper: Providers, marks };
}

describe("AttentionPage", () => {
  it("lists an item with its order, reason and Temporal link, words a refusal, and marks it handled with a note", async () => {
    const { wrapper, marks } = service();
    render(<AttentionPage />, { wrapper });
    const order = await screen.findByRole("link", { name: "o-42" });
    expect(order.getAttribute("href")).toBe("/admin/orders/o-42");
    expect(screen.getByText("退款被拒")).toBeTruthy();
    expect(screen.getByText("支付渠道拒绝退款，订单已暂停发货")).toBeTruthy();
    expect(screen.getByRole("link", { name: "在 Temporal 中查看" }).getAttribute("href")).toBe(
      "http://localhost:8233/namespaces/default/workflows/cancel-o-42/run-1/history",
    );

    fireEvent.click(screen.getByRole("button", { name: "重试" }));
    await screen.findByText("这一项已不在待处理列表中（可能已被处理），请刷新。");

    fireEvent.click(screen.getByRole("button", { name: "标记为已处理" }));
    fireEvent.input(screen.getByLabelText("处理说明"), { target: { value: "  已通过银行转账退款 " } });
    fireEvent.click(screen.getByRole("button", { name: "标记为已处理" }));
    await screen.findByText("没有待处理的事项。");
    await waitFor(() => expect(marks.map((m) => [m.itemId, m.note])).toEqual([[item.itemId, "已通过银行转账退款"]]));
  });
});
