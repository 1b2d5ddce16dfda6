import { describe, expect, it } from "vitest";
import { countdown, millis, money, stars } from "./format";

describe("money", () => {
  it("formats cents without floating point", () => {
    expect(money(0n)).toBe("¥0.00");
    expect(money(5n)).toBe("¥0.05");
    expect(money(123456789n)).toBe("¥1,234,567.89");
    expect(money(-250n)).toBe("-¥2.50");
    // beyond 2^53: a float would round this
    expect(money(9007199254740993n)).toBe("¥90,071,992,547,409.93");
  });
});

describe("countdown", () => {
  const now = 1_700_000_000_000;
  it("shows minutes and seconds under an hour", () => {
    expect(countdown(now + 65_000, now)).toBe("01:05");
  });
  it("shows hours and days", () => {
    expect(countdown(now + 3_723_000, now)).toBe("01:02:03");
    expect(countdown(now + 90_061_000, now)).toBe("1d 01:01:01");
  });
  it("stops at zero", () => {
    expect(countdown(now - 5_000, now)).toBe("00:00");
  });
});

describe("millis", () => {
  it("reads a protobuf timestamp", () => {
    expect(millis({ seconds: 2n, nanos: 5_000_000 } as never)).toBe(2005);
    expect(millis(undefined)).toBe(0);
  });
});

describe("stars", () => {
  it("clamps and rounds", () => {
    expect(stars(4.4)).toBe("★★★★☆");
    expect(stars(9)).toBe("★★★★★");
    expect(stars(-1)).toBe("☆☆☆☆☆");
  });
});
