import { describe, expect, it } from "vitest";
import { identityOf, mainlandMobile, nextPath } from "./identity";

describe("identityOf", () => {
  it("reads digits as a phone number and the rest as a username", () => {
    expect(identityOf(" 13800138000 ")).toEqual({ case: "phone", value: "13800138000" });
    expect(identityOf("li_lei")).toEqual({ case: "username", value: "li_lei" });
    expect(identityOf("li_lei_13800138000")).toEqual({ case: "username", value: "li_lei_13800138000" });
  });
  it("sends a mainland mobile number as its 11 digits however it is written", () => {
    for (const written of ["+8613800138000", "8613800138000", "+86 138 0013 8000", "138-0013-8000", "138 0013 8000"]) {
      expect(identityOf(written)).toEqual({ case: "phone", value: "13800138000" });
    }
  });
  it("sends other digits as typed, for the service to refuse as a phone number", () => {
    expect(identityOf("1380013800")).toEqual({ case: "phone", value: "1380013800" });
    expect(identityOf("+1 415 555 0100")).toEqual({ case: "phone", value: "+14155550100" });
    expect(identityOf("138-0013")).toEqual({ case: "phone", value: "1380013" });
    expect(identityOf("86138001380")).toEqual({ case: "phone", value: "86138001380" });
  });
});

describe("mainlandMobile", () => {
  it("is the contract's rule", () => {
    expect(["13000000000", "13800138000", "19999999999"].every((p) => mainlandMobile.test(p))).toBe(true);
    for (const p of ["1380013800", "138001380000", "12800138000", "23800138000", "+8613800138000", "138 0013 8000"]) {
      expect(mainlandMobile.test(p)).toBe(false);
    }
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
