// @vitest-environment happy-dom
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { Code } from "@connectrpc/connect";
import { cleanup, configure, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { ProductSchema, ProductService } from "@gen/mall/product/v1/product_pb.js";
import {
  AdmissionCountsSchema,
  AdmissionSecondSchema,
  EventState,
  FlashSaleEventSchema,
  GetEventDashboardResponseSchema,
  SeckillService,
  type CreateEventRequest,
} from "@gen/mall/seckill/v1/seckill_pb.js";
import { i18n } from "../../lib/i18n";
import { refused, servedBy } from "../../testing";
import "../i18n";
import { Dashboard } from "./FlashDashboard";
import { SaleForm } from "./FlashForm";

afterEach(cleanup);
configure({ asyncUtilTimeout: 10_000 });
beforeAll(() => i18n.changeLanguage("zh-CN"));

const product = create(ProductSchema, { productId: "p-tea", title: "龙井", priceCents: 4000n, stock: 7n });

describe("the flash-sale desk", () => {
  it("says why the services refuse more units than the product has, and creates the sale once they fit", async () => {
    const asked: CreateEventRequest[] = [];
    const saved: string[] = [];
    render(<SaleForm productId="p-tea" onSaved={(id) => saved.push(id)} />, {
        wrapper: servedBy((router) => {
          router.service(ProductService, { getProduct: () => ({ product }) });
          router.service(SeckillService, {
            createEvent: (req) => {
              asked.push(req);
              if (req.stock > 7n) throw refused(Code.FailedPrecondition, "NOT_ENOUGH_STOCK");
              return { event: create(FlashSaleEventSchema, { eventId: "ev-1", state: EventState.PREVIEW }) };
            },
          });
        }),
      },
    );
    expect(await screen.findByText("从商品的可用库存中划出，最多 7 件。")).toBeTruthy();
    fireEvent.input(screen.getByLabelText("秒杀价（元）"), { target: { value: "9.9" } });
    fireEvent.input(screen.getByLabelText("秒杀库存（件）"), { target: { value: "8" } });
    fireEvent.click(screen.getByRole("button", { name: "创建（预览）" }));
    expect((await screen.findByRole("alert")).textContent).toBe(
      "商品的可用库存不足以划出这么多件。请减少秒杀库存，或先给商品补货。",
    );
    fireEvent.input(screen.getByLabelText("秒杀库存（件）"), { target: { value: "7" } });
    fireEvent.click(screen.getByRole("button", { name: "创建（预览）" }));
    await waitFor(() => expect(saved).toEqual(["ev-1"]));
    expect(asked.map((r) => [r.productId, r.priceCents, r.stock, r.perUserLimit])).toEqual([
      ["p-tea", 990n, 8n, 1],
      ["p-tea", 990n, 7n, 1],
    ]);
    expect(asked[1]?.endsAt && asked[1].startsAt && asked[1].endsAt.seconds - asked[1].startsAt.seconds).toBe(3600n);
  });

  it("shows a sale's numbers and a bar per second", async () => {
    const now = Date.now();
    const seconds = Array.from({ length: 60 }, (_, i) =>
      create(AdmissionSecondSchema, {
        at: timestampFromMs(now - (59 - i) * 1000),
        counts: create(AdmissionCountsSchema, i === 59 ? { accepted: 3n, soldOut: 40n } : {}),
      }),
    );
    const dashboard = create(GetEventDashboardResponseSchema, {
      event: create(FlashSaleEventSchema, { eventId: "ev-1", title: "龙井秒杀", state: EventState.LIVE, totalStock: 5n, remainingStock: 2n }),
      admissions: seconds,
      admissionsTotal: create(AdmissionCountsSchema, { accepted: 3n, soldOut: 40n }),
      ordersWritten: 3n,
      ordersPaid: 1n,
      unitsOrdered: 3n,
      writerLag: 2n,
      at: timestampFromMs(now),
    });
    const pauses: boolean[] = [];
    const { container } = render(<Dashboard d={dashboard} paused={false} onPause={(p) => pauses.push(p)} />, {
      wrapper: servedBy((router) => router.service(SeckillService, {})),
    });
    expect(await screen.findByText("龙井秒杀")).toBeTruthy();
    const stat = (name: string) => container.querySelector(`[data-stat="${name}"] dd`)?.textContent;
    expect([stat("units-left"), stat("orders"), stat("paid"), stat("conversion"), stat("lag")]).toEqual([
      "剩余 2 / 共 5",
      "3",
      "1",
      "33%",
      "2",
    ]);
    await waitFor(() => expect(container.querySelectorAll("svg g[data-second]").length).toBe(60));
    const newest = container.querySelector('svg g[data-second="0"]');
    expect(newest?.getAttribute("data-total")).toBe("43");
    expect(newest?.querySelectorAll("rect").length).toBe(2);
    expect(container.querySelector('[data-outcome="soldOut"] b')?.textContent).toBe("40");
    fireEvent.click(screen.getByRole("button", { name: "暂停" }));
    expect(pauses).toEqual([true]);
  });
});
