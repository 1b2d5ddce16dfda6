// @vitest-environment happy-dom
import { create } from "@bufbuild/protobuf";
import { useQuery } from "@connectrpc/connect-query";
import { cleanup, renderHook, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { GetOrderResponseSchema, OrderService, OrderStatus, WatchOrderResponseSchema, type Order } from "@gen/mall/order/v1/order_pb.js";
import { servedBy } from "../testing";
import { useFollowOrder } from "./useFollowOrder";

afterEach(cleanup);

const unpaid = (o: Order) => o.status !== OrderStatus.PENDING_PAYMENT;

describe("useFollowOrder", () => {
  it("puts each order the stream pushes into GetOrder's cached answer and stops at a settled one", async () => {
    const cursors: string[] = [];
    let gets = 0;
    const wrapper = servedBy((router) =>
      router.service(OrderService, {
        getOrder(req) {
          gets++;
          return create(GetOrderResponseSchema, { order: { orderId: req.orderId, status: OrderStatus.PENDING_PAYMENT } });
        },
        async *watchOrder(req) {
          cursors.push(req.cursor);
          yield await Promise.resolve(create(WatchOrderResponseSchema, { order: { orderId: req.orderId, status: OrderStatus.PENDING_PAYMENT }, cursor: "c1" }));
          yield create(WatchOrderResponseSchema, { order: { orderId: req.orderId, status: OrderStatus.PAID }, cursor: "c2" });
        },
      }),
    );
    const { result } = renderHook(
      () => {
        const q = useQuery(OrderService.method.getOrder, { orderId: "o-1" });
        const order = q.data?.order;
        useFollowOrder("o-1", order !== undefined && !unpaid(order), unpaid);
        return order;
      },
      { wrapper },
    );
    await waitFor(() => expect(result.current?.status).toBe(OrderStatus.PAID));
    // One stream from the start, and no GetOrder asked again meanwhile.
    expect(cursors).toEqual([""]);
    expect(gets).toBe(1);
  });
});
