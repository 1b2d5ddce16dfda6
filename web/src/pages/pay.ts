import { createClient } from "@connectrpc/connect";
import { PayService } from "@gen/mall/pay/v1/pay_pb.js";
import { transport } from "../lib/api";
import { poll } from "../lib/poll";

const pay = createClient(PayService, transport);

// payOrder opens the provider's pay page for an order. Pay is idempotent
// per order: calling it again returns the same charge and page.
export async function payOrder(orderId: string): Promise<void> {
  const answer = await poll(
    () => pay.pay({ orderId }),
    (r) => (r.payment?.payUrl ?? "") !== "",
    { every: 1000, timeout: 30_000 },
  );
  window.location.assign(answer.payment?.payUrl ?? "/");
}
