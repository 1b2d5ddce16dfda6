// Shoppers driven through the API, for journeys whose subject is someone
// else (the operators' console): they register, keep an address, buy now
// and pay on the payment simulator as a customer would, without a browser.
import { randomBytes } from "node:crypto";

const password = "secret-pass-123";

// until asks check() every 250 ms until it returns something, for up to
// timeout ms.
export async function until(what, check, timeout = 60_000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const found = await check();
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((ok) => setTimeout(ok, 250));
  }
}

// newShopper registers a shopper with a default address and signs in.
export async function newShopper(rpc, label) {
  const username = `${label}_${randomBytes(3).toString("hex")}`;
  await rpc("mall.user.v1.UserService/Register", { username, password, nickname: label });
  const { accessToken: token, user } = await rpc("mall.user.v1.UserService/Login", { login: username, password });
  const { address } = await rpc(
    "mall.user.v1.UserService/CreateAddress",
    {
      address: {
        recipientName: "韩梅梅",
        phone: "13900139000",
        province: "浙江省",
        city: "杭州市",
        district: "西湖区",
        detail: "文三路 2 号",
      },
      makeDefault: true,
    },
    token,
  );
  return { username, userId: user.userId, token, addressId: address.addressId };
}

// buyNow checks out quantity of a product and waits for its order.
export async function buyNow(rpc, shopper, productId, quantity = 1) {
  const { orderId } = await rpc(
    "mall.order.v1.OrderService/Checkout",
    { requestId: randomBytes(8).toString("hex"), addressId: shopper.addressId, buyNow: { productId, quantity } },
    shopper.token,
  );
  await until(`order ${orderId}`, async () => {
    const c = await rpc("mall.order.v1.OrderService/GetCheckout", { orderId }, shopper.token);
    if (c.state === "CHECKOUT_STATE_FAILED") throw new Error(`checkout ${orderId} failed: ${c.failureCode} ${c.failureReason}`);
    return c.state === "CHECKOUT_STATE_ORDER_CREATED";
  });
  return orderId;
}

// orderStatus is the order's status as its buyer sees it.
export async function orderStatus(rpc, shopper, orderId) {
  const { order } = await rpc("mall.order.v1.OrderService/GetOrder", { orderId }, shopper.token);
  return order.status;
}

// pay approves the order's charge on the simulator's page (as JSON) and
// waits until the order is paid.
export async function pay(rpc, shopper, orderId) {
  // Pay is idempotent per order; the page exists once the provider has
  // the charge.
  const payment = await until(`a charge for ${orderId}`, async () => {
    const answer = await rpc("mall.pay.v1.PayService/Pay", { orderId }, shopper.token);
    return answer.payment?.payUrl ? answer.payment : null;
  });
  const r = await fetch(`${payment.payUrl}/approve`, { method: "POST", headers: { accept: "application/json" } });
  if (!r.ok) throw new Error(`approving ${payment.payUrl}: ${r.status} ${await r.text()}`);
  await until(`order ${orderId} paid`, async () => (await orderStatus(rpc, shopper, orderId)) === "ORDER_STATUS_PAID");
}
