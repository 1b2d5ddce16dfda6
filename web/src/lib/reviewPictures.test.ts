import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { maxPictureBytes, maxPictures, refusePicture, refusePictureSize, roomFor, sizeText } from "./reviewPictures";

// A picture the mall ships (a catalog icon), and the first bytes of the
// other types the services take.
const webp = new Uint8Array(readFileSync(new URL("../../../services/product/pictures/1f375.webp", import.meta.url)));
const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16]);
const text = (s: string) => new TextEncoder().encode(s);

describe("review picture limits", () => {
  it("are the contract's: 6 pictures a review, 700 KiB a file", () => {
    expect(maxPictures).toBe(6);
    expect(maxPictureBytes).toBe(700 * 1024);
    expect(sizeText(maxPictureBytes)).toBe("700 KB");
    expect(sizeText(2 * 1024 * 1024)).toBe("2 MB");
  });

  it("leave room for the pictures a review can still take", () => {
    expect(roomFor(0, 3)).toBe(3);
    expect(roomFor(4, 3)).toBe(2);
    expect(roomFor(6, 1)).toBe(0);
  });
});

describe("refusePicture", () => {
  it("takes JPEG, PNG and WebP by their first bytes", () => {
    expect(refusePicture(webp)).toBeNull();
    expect(refusePicture(png)).toBeNull();
    expect(refusePicture(jpeg)).toBeNull();
  });

  it("refuses other files whatever they are called: SVG, HTML, GIF, a RIFF that is not WebP", () => {
    expect(refusePicture(text('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBe("type");
    expect(refusePicture(text("<!doctype html><p>hi"))).toBe("type");
    expect(refusePicture(text("GIF89a......"))).toBe("type");
    expect(refusePicture(text("RIFF\x10\x00\x00\x00WAVEfmt "))).toBe("type");
    expect(refusePicture(new Uint8Array([0xff, 0xd8]))).toBe("type");
  });

  it("refuses a file over the limit before looking at it, and an empty one", () => {
    expect(refusePictureSize(maxPictureBytes)).toBeNull();
    expect(refusePictureSize(maxPictureBytes + 1)).toBe("tooBig");
    expect(refusePictureSize(0)).toBe("empty");
    const big = new Uint8Array(maxPictureBytes + 1);
    big.set(png);
    expect(refusePicture(big)).toBe("tooBig");
    expect(refusePicture(new Uint8Array())).toBe("empty");
  });
});
