import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { CreateReviewRequestSchema, ReviewService } from "@gen/mall/review/v1/review_pb.js";
import { CreateAddressRequestSchema, RegisterRequestSchema, UserService } from "@gen/mall/user/v1/user_pb.js";
import { invalid, refused, routerTransport } from "../testing";
import { RetryInfoSchema } from "./errorDetails";
import { problemOf } from "./errors";
import { i18n, type Lang } from "./i18n";
import { PollTimeout } from "./poll";

// failure is what a call answered with `err` rejects with, having passed
// the SPA's interceptors as a real call does.
async function failure(err: ConnectError, call: "register" | "createAddress" | "createReview" = "register"): Promise<unknown> {
  const throwIt = () => {
    throw err;
  };
  const transport = routerTransport((r) => {
    r.service(UserService, { register: throwIt, createAddress: throwIt });
    r.service(ReviewService, { createReview: throwIt });
  });
  try {
    if (call === "createReview") await createClient(ReviewService, transport).createReview({});
    else await createClient(UserService, transport)[call]({});
  } catch (e) {
    return e;
  }
  throw new Error("the call did not fail");
}

const languages: Lang[] = ["zh-CN", "en"];
afterAll(() => i18n.changeLanguage("zh-CN"));

describe("problemOf: violations", () => {
  beforeEach(() => i18n.changeLanguage("zh-CN"));

  it("puts each violation next to its field, in words with the contract's values", async () => {
    const err = invalid(
      RegisterRequestSchema,
      { path: ["password"], message: "value length must be at least 8 characters", ruleId: "string.min_len", rule: ["string", "min_len"] },
      { path: ["nickname"], message: "value length must be at most 32 characters", ruleId: "string.max_len", rule: ["string", "max_len"] },
      { path: ["password"], message: "second message for the same field is dropped", ruleId: "password.letter_and_digit", rule: ["cel"] },
    );
    const p = problemOf(await failure(err));
    expect(p.code).toBe(Code.InvalidArgument);
    expect(p.message).toBe("请修改标出的内容。");
    expect(p.fields).toEqual({ password: "至少需要 8 个字符。", nickname: "最多 32 个字符。" });

    await i18n.changeLanguage("en");
    expect(problemOf(await failure(err)).fields).toEqual({
      password: "Please use at least 8 characters.",
      nickname: "Please use at most 32 characters.",
    });
  });

  it("explains a pattern per field, an empty required field, and the contract's own rules", async () => {
    const err = invalid(
      CreateAddressRequestSchema,
      { path: ["address", "phone"], message: "value does not match regex pattern `^1[3-9][0-9]{9}$`", ruleId: "string.pattern", rule: ["string", "pattern"] },
      { path: ["address", "city"], message: "value length must be at least 1 characters", ruleId: "string.min_len", rule: ["string", "min_len"] },
    );
    expect(problemOf(await failure(err, "createAddress")).fields).toEqual({
      "address.phone": "请输入正确的手机号码（11 位，以 13–19 开头）。",
      "address.city": "请填写此项。",
    });
    const own = invalid(RegisterRequestSchema, {
      path: ["username"],
      message: "a username needs a letter or an underscore (digits alone read as a phone number)",
      ruleId: "username.not_digits",
      rule: ["cel"],
    });
    expect(problemOf(await failure(own)).fields).toEqual({ username: "用户名不能全是数字（纯数字会被当作手机号）。" });
  });

  it("puts both ends of a range in", async () => {
    const err = invalid(CreateReviewRequestSchema, {
      path: ["rating"],
      message: "value must be greater than or equal to 1 and less than or equal to 5",
      ruleId: "int32.gte_lte",
      rule: ["int32", "gte"],
    });
    const p = problemOf(await failure(err, "createReview"));
    expect(p.fields).toEqual({ rating: "请输入 1 到 5 之间的数。" });
  });

  it("never shows protovalidate's text, also for a rule it does not know or values it cannot read", async () => {
    const unknownRule = invalid(RegisterRequestSchema, { path: ["nickname"], message: "value must be a palindrome", ruleId: "string.palindrome" });
    // Made here, not answered by a call: the request type is not known, so
    // neither is the minimum.
    const noRequest = invalid(RegisterRequestSchema, {
      path: ["password"],
      message: "value length must be at least 8 characters",
      ruleId: "string.min_len",
      rule: ["string", "min_len"],
    });
    for (const lang of languages) {
      await i18n.changeLanguage(lang);
      const unknown = lang === "en" ? "This value is not accepted." : "填写的内容不符合要求。";
      expect(problemOf(await failure(unknownRule)).fields).toEqual({ nickname: unknown });
      expect(problemOf(noRequest).fields).toEqual({ password: unknown });
    }
  });
});

describe("problemOf: refusals", () => {
  it("words a refusal by its reason, in the current language", async () => {
    const soldOut = refused(Code.FailedPrecondition, "SOLD_OUT", "sold out");
    const taken = refused(Code.AlreadyExists, "LOGIN_TAKEN", "this username or phone is already registered");
    await i18n.changeLanguage("zh-CN");
    expect(problemOf(await failure(soldOut))).toEqual({ code: Code.FailedPrecondition, message: "已抢光。", fields: {} });
    expect(problemOf(await failure(taken)).message).toBe("该用户名或手机号已被注册。");
    await i18n.changeLanguage("en");
    expect(problemOf(await failure(soldOut)).message).toBe("Sold out.");
    expect(problemOf(taken).message).toBe("This username or phone number is already registered.");
  });

  it("puts a limit's numbers from the refusal's metadata into its words", async () => {
    const quantity = refused(Code.FailedPrecondition, "CART_QUANTITY_LIMIT", "a cart line holds at most 99 units", {
      limit: "99",
      current: "97",
    });
    const dimensions = refused(Code.InvalidArgument, "REVIEW_IMAGE_DIMENSIONS", "too large", {
      limit: "4096",
      width: "5000",
      height: "3000",
    });
    await i18n.changeLanguage("zh-CN");
    expect(problemOf(await failure(quantity)).message).toBe("该商品最多可购买 99 件（购物车中已有 97 件）。");
    expect(problemOf(await failure(dimensions, "createReview")).message).toBe("图片的长和宽都不能超过 4096 像素（这张是 5000×3000）。");
    await i18n.changeLanguage("en");
    expect(problemOf(await failure(quantity)).message).toBe("You can buy at most 99 of this item (97 in your cart).");
  });

  it("words a limit without its numbers, or with numbers that are not numbers, by the reason alone", async () => {
    const bare = refused(Code.FailedPrecondition, "CART_QUANTITY_LIMIT");
    const partial = refused(Code.FailedPrecondition, "CART_QUANTITY_LIMIT", "refused", { limit: "99" });
    const odd = refused(Code.FailedPrecondition, "CART_QUANTITY_LIMIT", "refused", { limit: "<b>99</b>", current: "1" });
    await i18n.changeLanguage("zh-CN");
    for (const err of [bare, partial, odd]) expect(problemOf(await failure(err)).message).toBe("该商品的数量已达上限。");
  });

  it("says when to try again after a rate limit", async () => {
    const limited = refused(Code.ResourceExhausted, "RATE_LIMITED", "too many purchase attempts; retry shortly");
    limited.details.push({ desc: RetryInfoSchema, value: create(RetryInfoSchema, { retryDelay: { seconds: 29n, nanos: 400_000_000 } }) });
    await i18n.changeLanguage("zh-CN");
    expect(problemOf(await failure(limited)).message).toBe("操作太频繁，请 30 秒后再试。");
    await i18n.changeLanguage("en");
    expect(problemOf(await failure(limited)).message).toBe("Too many attempts. Please try again in 30 s.");
    expect(problemOf(refused(Code.ResourceExhausted, "RATE_LIMITED")).message).toBe("Too many attempts. Please try again later.");
  });

  it("words an unknown reason, or none, by the code, never with the server's text", async () => {
    const newer = refused(Code.FailedPrecondition, "SOMETHING_NEWER", "only 3 left in stock");
    const bare = new ConnectError("the current password is wrong", Code.PermissionDenied);
    await i18n.changeLanguage("zh-CN");
    expect(problemOf(await failure(newer)).message).toBe("当前状态下无法进行此操作。");
    expect(problemOf(await failure(bare)).message).toBe("您无权进行此操作。");
    await i18n.changeLanguage("en");
    expect(problemOf(await failure(newer)).message).toBe("That cannot be done right now.");
  });

  it("never shows internal text", async () => {
    for (const lang of languages) {
      await i18n.changeLanguage(lang);
      const internal = problemOf(await failure(new ConnectError("sql: connection refused", Code.Internal))).message;
      expect(internal).toBe(lang === "en" ? "Something went wrong on our side. Please try again." : "系统开小差了，请稍后重试。");
      const network = problemOf(new TypeError("failed to fetch")).message;
      expect(network).toBe(lang === "en" ? "Something went wrong. Please check your connection and try again." : "出了点问题，请检查网络连接后重试。");
    }
  });

  it("says a long wait is still going on", async () => {
    await i18n.changeLanguage("zh-CN");
    expect(problemOf(new PollTimeout("still not finished")).message).toBe("仍在处理中，请稍后在“我的订单”中查看结果。");
  });
});
