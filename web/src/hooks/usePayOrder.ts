import { useMutation } from "@connectrpc/connect-query";
import { useState } from "react";
import { PayService } from "@gen/mall/pay/v1/pay_pb.js";
import { poll } from "../lib/poll";

// usePayOrder opens the provider's pay page for an order. Pay is idempotent
// per order: calling it again returns the same charge, and its page once
// the provider has one. `paying` stays true while the browser leaves for
// that page, and turns false again if it could not get there.
export function usePayOrder() {
  const pay = useMutation(PayService.method.pay);
  const [paying, setPaying] = useState(false);
  const payOrder = async (orderId: string) => {
    setPaying(true);
    try {
      const answer = await poll(
        () => pay.mutateAsync({ orderId }),
        (r) => (r.payment?.payUrl ?? "") !== "",
        { every: 1000, timeout: 30_000 },
      );
      window.location.assign(answer.payment?.payUrl ?? "/");
    } catch (err) {
      setPaying(false);
      throw err;
    }
  };
  return { payOrder, paying };
}
