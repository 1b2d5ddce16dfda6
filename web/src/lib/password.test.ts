import { Code } from "@connectrpc/connect";
import { beforeAll, describe, expect, it } from "vitest";
import { refused } from "../testing";
import { problemOf } from "./errors";
import { i18n } from "./i18n";
import { changePasswordProblem } from "./password";

beforeAll(() => i18n.changeLanguage("zh-CN"));

describe("changePasswordProblem", () => {
  it("shows a wrong current password under its field", () => {
    const p = changePasswordProblem(problemOf(refused(Code.PermissionDenied, "WRONG_PASSWORD", "the current password is wrong")));
    expect(p.fields).toEqual({ current_password: "当前密码不正确。" });
    expect(p.message).toBe("请修改标出的内容。");
  });

  it("leaves other refusals as they are", () => {
    const limited = problemOf(refused(Code.ResourceExhausted, "RATE_LIMITED", "too many password change attempts; retry later"));
    expect(changePasswordProblem(limited)).toEqual(limited);
  });
});
