import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { invalid } from "../testing";
import { problemOf } from "./errors";

describe("problemOf", () => {
  it("puts each violation next to its field", () => {
    const err = invalid(
      { path: ["address", "phone"], message: "value does not match regex pattern `^\\+?[0-9]{6,20}$`", ruleId: "string.pattern" },
      { path: ["address", "city"], message: "value length must be at least 1 characters" },
      { path: ["address", "phone"], message: "second message for the same field is dropped" },
    );
    const p = problemOf(err);
    expect(p.code).toBe(Code.InvalidArgument);
    expect(p.fields).toEqual({
      "address.phone": "This does not look right: please check the format.",
      "address.city": "value length must be at least 1 characters",
    });
    expect(p.message).toMatch(/correct the highlighted fields/);
  });

  it("shows a service's own message", () => {
    const p = problemOf(new ConnectError("only 3 left in stock", Code.FailedPrecondition));
    expect(p.message).toBe("Only 3 left in stock.");
    expect(p.fields).toEqual({});
  });

  it("never shows internal text", () => {
    expect(problemOf(new ConnectError("sql: connection refused", Code.Internal)).message).toBe(
      "Something went wrong on our side. Please try again.",
    );
    expect(problemOf(new Error("TypeError: failed to fetch")).message).toMatch(/check your connection/);
  });
});
