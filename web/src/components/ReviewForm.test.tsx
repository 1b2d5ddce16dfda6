// @vitest-environment happy-dom
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { cleanup, configure, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  CreateReviewResponseSchema,
  ReviewService,
  UploadReviewImageResponseSchema,
  type CreateReviewRequest,
} from "@gen/mall/review/v1/review_pb.js";
import { i18n } from "../lib/i18n";
import { maxPictureBytes } from "../lib/reviewPictures";
import { refused, servedBy } from "../testing";
import { ReviewForm } from "./order";

afterEach(cleanup);
configure({ asyncUtilTimeout: 10_000 });
beforeAll(() => i18n.changeLanguage("zh-CN"));

// Two pictures the catalog ships.
const pictures = join(import.meta.dirname, "../../../services/product/pictures");
const webp = readFileSync(join(pictures, "1f375.webp"));
const flower = readFileSync(join(pictures, "1f33c.webp"));

// The review service as the form meets it: uploads answer a picture per
// distinct file (ids from its first bytes' length, as the service answers
// the same bytes with the same picture) or refuse past the quota; reviews
// are recorded.
function service(opts: { quotaAfter?: number } = {}) {
  const reviews: CreateReviewRequest[] = [];
  let uploads = 0;
  const wrapper = servedBy((router) =>
    router.service(ReviewService, {
      uploadReviewImage(req) {
        if (opts.quotaAfter !== undefined && uploads >= opts.quotaAfter) {
          throw refused(Code.ResourceExhausted, "REVIEW_IMAGE_QUOTA", "you have 30 pictures no review uses yet", { limit: "30", current: "30" });
        }
        uploads++;
        const imageId = `ri-${"a".repeat(25)}${String.fromCharCode(97 + (req.data.length % 26))}`;
        return create(UploadReviewImageResponseSchema, { image: { imageId, url: `/review-img/${imageId}`, sizeBytes: BigInt(req.data.length) } });
      },
      createReview(req) {
        reviews.push(req);
        return create(CreateReviewResponseSchema, { review: { reviewId: "r1" } });
      },
    }),
  );
  return { wrapper, reviews };
}

const file = (bytes: Uint8Array<ArrayBuffer> | string, name: string, type = "") => new File([bytes], name, { type });

function choose(files: File[]) {
  const input = document.querySelector<HTMLInputElement>('.review-form input[type="file"]');
  if (!input) throw new Error("no file input");
  fireEvent.change(input, { target: { files } });
}

describe("ReviewForm pictures", () => {
  it("uploads the pictures it takes, refuses the others by name, and sends the review with the pictures kept", async () => {
    const { wrapper, reviews } = service();
    let done = false;
    render(<ReviewForm orderId="o1" productId="p1" onDone={() => (done = true)} />, { wrapper });
    choose([
      file(webp, "tea.webp", "image/webp"),
      file('<svg xmlns="http://www.w3.org/2000/svg"/>', "drawing.png", "image/png"),
      file(new Uint8Array(maxPictureBytes + 1), "huge.jpg", "image/jpeg"),
      file(flower, "flower.webp", "image/webp"),
    ]);
    await waitFor(() => expect(document.querySelectorAll(".review-pictures li[data-image]")).toHaveLength(2));
    const refusals = await screen.findByRole("alert");
    expect(refusals.textContent).toContain("drawing.png 未添加：只能上传 JPEG、PNG 或 WebP 格式的图片。");
    expect(refusals.textContent).toContain("huge.jpg 未添加：图片超过 700 KB，请换一张小一些的。");
    expect(screen.getByText("（2/6 张）")).toBeTruthy();
    const first = screen.getByAltText<HTMLImageElement>("第 1 张图片");
    expect(first.getAttribute("src")).toMatch(/^\/review-img\/ri-/);

    fireEvent.click(screen.getByRole("button", { name: "删除第 1 张图片" }));
    expect(screen.getByText("（1/6 张）")).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "提交评价" }));
    await waitFor(() => expect(done).toBe(true));
    expect(reviews).toHaveLength(1);
    expect(reviews[0]?.imageIds).toEqual([document.querySelector(".review-pictures li[data-image]")?.getAttribute("data-image")]);
    expect(reviews[0]?.imageIds[0]).toMatch(/^ri-[a-z]{26}$/);
  });

  it("adds no more than a review takes, and says so", async () => {
    const { wrapper } = service();
    render(<ReviewForm orderId="o1" productId="p1" onDone={() => undefined} />, { wrapper });
    // Seven files of distinct lengths: six are uploaded, the seventh refused.
    choose(Array.from({ length: 7 }, (_, i) => file(new Uint8Array([...webp, ...new Uint8Array(i)]), `p${i}.webp`)));
    await waitFor(() => expect(document.querySelectorAll(".review-pictures li[data-image]")).toHaveLength(6));
    expect((await screen.findByRole("alert")).textContent).toBe("p6.webp 未添加：每条评价最多 6 张图片，这张未添加。");
    // Full: no tile to add more.
    expect(document.querySelector('.review-form input[type="file"]')).toBeNull();
  });

  it("words the service's refusal of an upload with its numbers", async () => {
    const { wrapper } = service({ quotaAfter: 0 });
    render(<ReviewForm orderId="o1" productId="p1" onDone={() => undefined} />, { wrapper });
    choose([file(webp, "tea.webp")]);
    expect((await screen.findByRole("alert")).textContent).toBe(
      "tea.webp 未添加：未使用的图片最多 30 张（您已有 30 张），请先发表评价，或一天后再上传。",
    );
    expect(document.querySelectorAll(".review-pictures li[data-image]")).toHaveLength(0);
  });
});
