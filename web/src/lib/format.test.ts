import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { countdown, dateTime, decimal, millis, money, parseYuan, percent, relativeTime, stars, yuanText } from "./format";

describe("money", () => {
  it("formats cents without floating point", () => {
    for (const lang of ["zh-CN", "en"] as const) {
      expect(money(0n, lang)).toBe("¥0.00");
      expect(money(5n, lang)).toBe("¥0.05");
      expect(money(123456789n, lang)).toBe("¥1,234,567.89");
      expect(money(-250n, lang)).toBe("-¥2.50");
      // beyond 2^53: a float would round this
      expect(money(9007199254740993n, lang)).toBe("¥90,071,992,547,409.93");
    }
  });
  it("takes a number of cents too", () => {
    expect(money(1999, "zh-CN")).toBe("¥19.99");
  });
});

describe("countdown", () => {
  const now = 1_700_000_000_000;
  it("shows minutes and seconds under an hour", () => {
    expect(countdown(now + 65_000, now, "zh-CN")).toBe("01:05");
    expect(countdown(now + 65_000, now, "en")).toBe("01:05");
  });
  it("shows hours, and days in the language's unit", () => {
    expect(countdown(now + 3_723_000, now, "zh-CN")).toBe("01:02:03");
    expect(countdown(now + 90_061_000, now, "zh-CN")).toBe("1天 01:01:01");
    expect(countdown(now + 90_061_000, now, "en")).toBe("1d 01:01:01");
  });
  it("stops at zero", () => {
    expect(countdown(now - 5_000, now, "zh-CN")).toBe("00:00");
  });
});

describe("dateTime", () => {
  // 2025-05-01 06:05 UTC is 14:05 in Shanghai.
  const at = timestampFromMs(Date.UTC(2025, 4, 1, 6, 5));
  it("writes the date and time the language's way", () => {
    expect(dateTime(at, "zh-CN", "Asia/Shanghai")).toBe("2025年5月1日 14:05");
    expect(dateTime(at, "en", "Asia/Shanghai")).toBe("May 1, 2025, 2:05 PM");
  });
  it("is empty without a time", () => {
    expect(dateTime(undefined, "en")).toBe("");
  });
});

describe("relativeTime", () => {
  const now = Date.UTC(2025, 4, 10, 12, 0);
  const hour = 3_600_000;
  it("says how long ago in the largest whole unit", () => {
    expect(relativeTime(now - 3 * 24 * hour, now, "zh-CN")).toBe("3天前");
    expect(relativeTime(now - 3 * 24 * hour, now, "en")).toBe("3 days ago");
    expect(relativeTime(now - 5 * hour, now, "zh-CN")).toBe("5小时前");
    expect(relativeTime(now - 24 * hour, now, "en")).toBe("yesterday");
    expect(relativeTime(now - 400 * 24 * hour, now, "en")).toBe("last year");
  });
  it("leaves under a minute to the caller, and says the future too", () => {
    expect(relativeTime(now - 59_000, now, "zh-CN")).toBeUndefined();
    expect(relativeTime(now - 60_000, now, "zh-CN")).toBe("1分钟前");
    expect(relativeTime(now + 2 * hour, now, "en")).toBe("in 2 hours");
  });
});

describe("numbers", () => {
  it("writes decimals and shares the language's way", () => {
    expect(decimal(4.25, "zh-CN", 1)).toBe("4.3");
    expect(decimal(1234, "en")).toBe("1,234");
    expect(percent(9650, "zh-CN")).toBe("97%");
    expect(percent(0, "en")).toBe("0%");
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

describe("prices", () => {
  it("reads yuan with up to two decimals as cents", () => {
    expect(parseYuan("12")).toBe(1200n);
    expect(parseYuan(" 12.5 ")).toBe(1250n);
    expect(parseYuan("0.05")).toBe(5n);
    for (const bad of ["", "-1", "1.234", "1e3", "abc", "1,5", "1234567890"]) expect(parseYuan(bad), bad).toBeNull();
  });
  it("writes cents as yuan", () => {
    expect(yuanText(1250n)).toBe("12.50");
    expect(yuanText(5n)).toBe("0.05");
    expect(parseYuan(yuanText(987654321n))).toBe(987654321n);
  });
});
