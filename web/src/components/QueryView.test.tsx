// @vitest-environment happy-dom
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { useQuery } from "@connectrpc/connect-query";
import { cleanup, configure, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { ListAddressesResponseSchema, UserService, type ListAddressesResponse } from "@gen/mall/user/v1/user_pb.js";
import { i18n } from "../lib/i18n";
import { deferred, servedBy } from "../testing";
import { QueryView } from "./QueryView";

afterEach(cleanup);
// findBy* waits for the page to show it; a loaded machine may take a while.
configure({ asyncUtilTimeout: 10_000 });
// The shop's default language (happy-dom's browser would ask for English).
beforeAll(() => i18n.changeLanguage("zh-CN"));

function Addresses() {
  const q = useQuery(UserService.method.listAddresses, {});
  return (
    <QueryView query={q} isEmpty={(d) => d.addresses.length === 0} empty="还没有收货地址。">
      {(d) => (
        <ul>
          {d.addresses.map((a) => (
            <li key={a.addressId}>{a.recipientName}</li>
          ))}
        </ul>
      )}
    </QueryView>
  );
}

const liLei = create(ListAddressesResponseSchema, { addresses: [{ addressId: "a1", recipientName: "Li Lei" }] });

describe("QueryView", () => {
  it("shows the loading state until the answer, then the answer", async () => {
    const answer = deferred<ListAddressesResponse>();
    render(<Addresses />, { wrapper: servedBy((router) => router.service(UserService, { listAddresses: () => answer.promise })) });
    expect((await screen.findByRole("status")).textContent).toContain("加载中…");
    answer.resolve(liLei);
    await screen.findByText("Li Lei");
    expect(screen.queryByRole("status")).toBeNull();
  });

  it("shows a failure as a readable sentence, and Try again asks again", async () => {
    let calls = 0;
    const listAddresses = (): ListAddressesResponse => {
      if (++calls === 1) throw new ConnectError("sql: connection refused", Code.Internal);
      return liLei;
    };
    render(<Addresses />, { wrapper: servedBy((router) => router.service(UserService, { listAddresses })) });
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("系统开小差了，请稍后重试。");
    expect(alert.textContent).not.toContain("sql");
    fireEvent.click(screen.getByRole("button", { name: "重试" }));
    await screen.findByText("Li Lei");
    expect(calls).toBe(2);
  });

  it("shows the empty state when the answer has nothing to show", async () => {
    render(<Addresses />, { wrapper: servedBy((router) => router.service(UserService, { listAddresses: () => ({ addresses: [] }) })) });
    const empty = await screen.findByText("还没有收货地址。");
    expect(empty.className).toBe("empty");
    expect(screen.queryByRole("list")).toBeNull();
  });
});
