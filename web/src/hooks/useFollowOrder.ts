import { create } from "@bufbuild/protobuf";
import { createClient } from "@connectrpc/connect";
import { createConnectQueryKey, useTransport } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { useEffect } from "react";
import { GetOrderResponseSchema, OrderService, type Order } from "@gen/mall/order/v1/order_pb.js";
import { follow } from "../lib/follow";
import { useFetchQuery } from "./useFetchQuery";

interface OrderState {
  order: Order;
  cursor: string;
}

// useFollowOrder keeps the cached GetOrder answer of orderId up to date
// while active (the order is about to change by itself): one WatchOrder
// stream pushes each change into the cache, resumed from its cursor when
// it ends or breaks; if streaming keeps failing it polls GetOrder instead.
// It stops once settled says the order will not change by itself any more.
export function useFollowOrder(orderId: string, active: boolean, settled: (o: Order) => boolean) {
  const qc = useQueryClient();
  const transport = useTransport();
  const fetchQuery = useFetchQuery();
  useEffect(() => {
    if (!active) return;
    const ctl = new AbortController();
    const orders = createClient(OrderService, transport);
    const key = createConnectQueryKey({ schema: OrderService.method.getOrder, input: { orderId }, transport, cardinality: "finite" });
    async function* stream(cursor: string | undefined, signal: AbortSignal): AsyncIterable<OrderState> {
      for await (const m of orders.watchOrder({ orderId, cursor: cursor ?? "" }, { signal })) {
        if (m.order) yield { order: m.order, cursor: m.cursor };
      }
    }
    follow<OrderState>({
      open: stream,
      cursorOf: (s) => s.cursor,
      // Polling reads through the query cache: the page shows each answer.
      fetch: async () => {
        const r = await fetchQuery(OrderService.method.getOrder, { orderId });
        if (!r.order) throw new Error("no order in the answer");
        return { order: r.order, cursor: "" };
      },
      done: (s) => settled(s.order),
      onMessage: (s) => qc.setQueryData(key, create(GetOrderResponseSchema, { order: s.order })),
      signal: ctl.signal,
    }).catch(() => {
      // The page's own query shows a missing order or a failure when it
      // asks again; nothing more to follow here.
    });
    return () => ctl.abort();
  }, [orderId, active, settled, qc, transport, fetchQuery]);
}
