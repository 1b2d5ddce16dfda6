// @vitest-environment happy-dom
import { Code, ConnectError } from "@connectrpc/connect";
import { useMutation } from "@connectrpc/connect-query";
import { act, cleanup, renderHook } from "@testing-library/react";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { UpdateProfileRequestSchema, UserService } from "@gen/mall/user/v1/user_pb.js";
import { i18n } from "../lib/i18n";
import { changePasswordProblem } from "../lib/password";
import { deferred, invalid, refused, servedBy } from "../testing";
import { useFormProblem } from "./useFormProblem";

afterEach(cleanup);
// The English texts here; the Chinese ones are lib/errors.test.ts's.
beforeAll(() => i18n.changeLanguage("en"));

describe("useFormProblem", () => {
  it("puts a refused mutation's violations under their fields, with a message above them", async () => {
    const wrapper = servedBy((router) =>
      router.service(UserService, {
        updateProfile() {
          throw invalid(UpdateProfileRequestSchema, {
            path: ["nickname"],
            message: "value length must be at most 32 characters",
            ruleId: "string.max_len",
            rule: ["string", "max_len"],
          });
        },
      }),
    );
    const { result } = renderHook(() => ({ update: useMutation(UserService.method.updateProfile), form: useFormProblem() }), { wrapper });
    await act(() => result.current.form.submit(() => result.current.update.mutateAsync({ nickname: "n".repeat(40) })));
    expect(result.current.form.problem).toEqual({
      code: Code.InvalidArgument,
      message: "Please correct the highlighted fields.",
      fields: { nickname: "Please use at most 32 characters." },
    });
    expect(result.current.form.busy).toBe(false);
  });

  it("is busy while the action runs, and the next submit clears the last problem", async () => {
    const { result } = renderHook(() => useFormProblem());
    await act(() => result.current.submit(() => Promise.reject(refused(Code.FailedPrecondition, "OUT_OF_STOCK", "only 3 left in stock"))));
    expect(result.current.problem?.message).toBe("Not enough in stock.");

    const action = deferred<undefined>();
    let running = Promise.resolve();
    act(() => {
      running = result.current.submit(() => action.promise);
    });
    expect(result.current.busy).toBe(true);
    expect(result.current.problem).toBeNull();
    await act(async () => {
      action.resolve(undefined);
      await running;
    });
    expect(result.current.busy).toBe(false);
    expect(result.current.problem).toBeNull();
  });

  it("shapes the problem for a form whose fields are not the request's", async () => {
    const { result } = renderHook(() => useFormProblem(changePasswordProblem));
    await act(() =>
      result.current.submit(() => Promise.reject(refused(Code.PermissionDenied, "WRONG_PASSWORD", "the current password is wrong"))),
    );
    expect(result.current.problem?.fields).toEqual({ current_password: "The current password is wrong." });
    expect(result.current.problem?.message).toBe("Please correct the highlighted fields.");
  });

  it("never shows a failure's internal text", async () => {
    const { result } = renderHook(() => useFormProblem());
    await act(() => result.current.submit(() => Promise.reject(new ConnectError("dial tcp 10.0.0.7:3306: refused", Code.Internal))));
    expect(result.current.problem?.message).toBe("Something went wrong on our side. Please try again.");
  });

  it("shows a refusal that came as an answer", () => {
    const { result } = renderHook(() => useFormProblem());
    act(() => result.current.fail(() => ({ code: undefined, message: i18n.t("checkout.failed"), fields: {} })));
    expect(result.current.problem?.message).toBe("The order could not be placed. Please check your cart and try again.");
  });

  it("words the problem again when the language changes", async () => {
    const { result } = renderHook(() => useFormProblem());
    await act(() => result.current.submit(() => Promise.reject(refused(Code.NotFound, "ORDER_NOT_FOUND", "order not found"))));
    expect(result.current.problem?.message).toBe("No such order.");
    await act(() => i18n.changeLanguage("zh-CN"));
    expect(result.current.problem?.message).toBe("该订单不存在。");
    await act(() => i18n.changeLanguage("en"));
  });
});
