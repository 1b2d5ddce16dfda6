import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { problemOf } from "./errors";
import { changePasswordProblem } from "./password";

describe("changePasswordProblem", () => {
  it("shows a wrong current password under its field", () => {
    const p = changePasswordProblem(problemOf(new ConnectError("the current password is wrong", Code.PermissionDenied)));
    expect(p.fields).toEqual({ current_password: "The current password is wrong." });
    expect(p.message).toMatch(/highlighted fields/);
  });

  it("leaves other refusals as they are", () => {
    const limited = problemOf(new ConnectError("too many password change attempts; retry later", Code.ResourceExhausted));
    expect(changePasswordProblem(limited)).toEqual(limited);
  });
});
