// @vitest-environment happy-dom
import { Code, ConnectError } from "@connectrpc/connect";
import { useMutation } from "@connectrpc/connect-query";
import { act, cleanup, renderHook } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { UserService } from "@gen/mall/user/v1/user_pb.js";
import { changePasswordProblem } from "../lib/password";
import { deferred, invalid, servedBy } from "../testing";
import { useFormProblem } from "./useFormProblem";

afterEach(cleanup);

describe("useFormProblem", () => {
  it("puts a refused mutation's violations under their fields, with a message above them", async () => {
    const wrapper = servedBy((router) =>
      router.service(UserService, {
        updateProfile() {
          throw invalid({ path: ["nickname"], message: "value length must be at most 32 characters" });
        },
      }),
    );
    const { result } = renderHook(() => ({ update: useMutation(UserService.method.updateProfile), form: useFormProblem() }), { wrapper });
    await act(() => result.current.form.submit(() => result.current.update.mutateAsync({ nickname: "n".repeat(40) })));
    expect(result.current.form.problem).toEqual({
      code: Code.InvalidArgument,
      message: "Please correct the highlighted fields.",
      fields: { nickname: "value length must be at most 32 characters" },
    });
    expect(result.current.form.busy).toBe(false);
  });

  it("is busy while the action runs, and the next submit clears the last problem", async () => {
    const { result } = renderHook(() => useFormProblem());
    await act(() => result.current.submit(() => Promise.reject(new ConnectError("only 3 left in stock", Code.FailedPrecondition))));
    expect(result.current.problem?.message).toBe("Only 3 left in stock.");

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
    await act(() => result.current.submit(() => Promise.reject(new ConnectError("the current password is wrong", Code.PermissionDenied))));
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
    act(() => result.current.fail({ code: undefined, message: "insufficient stock", fields: {} }));
    expect(result.current.problem?.message).toBe("insufficient stock");
  });
});
