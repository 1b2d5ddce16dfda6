import { describe, expect, it } from "vitest";
import { identityOf, nextPath } from "./identity";

describe("identityOf", () => {
  it("reads digits as a phone number and the rest as a username", () => {
    expect(identityOf(" 13800138000 ")).toEqual({ case: "phone", value: "13800138000" });
    expect(identityOf("+8613800138000")).toEqual({ case: "phone", value: "+8613800138000" });
    expect(identityOf("li_lei")).toEqual({ case: "username", value: "li_lei" });
    expect(identityOf("138-0013")).toEqual({ case: "username", value: "138-0013" });
  });
});

describe("nextPath", () => {
  it("keeps paths on this site", () => {
    expect(nextPath("/orders?tab=paid")).toBe("/orders?tab=paid");
  });
  it("refuses other sites and nothing", () => {
    expect(nextPath("https://evil.example/")).toBe("/");
    expect(nextPath("//evil.example/")).toBe("/");
    expect(nextPath("/\\evil.example/")).toBe("/");
    expect(nextPath(null)).toBe("/");
  });
});
