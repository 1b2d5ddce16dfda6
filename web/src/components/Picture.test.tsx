// @vitest-environment happy-dom
import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { Picture } from "./Picture";

afterEach(cleanup);

describe("Picture", () => {
  it("reserves the box of its shape and loads lazily by default", () => {
    render(<Picture src="/img/p/p0001/1.svg" alt="龙井" />);
    const img = screen.getByRole("img", { name: "龙井" });
    expect(img.getAttribute("src")).toBe("/img/p/p0001/1.svg");
    expect([img.getAttribute("width"), img.getAttribute("height")]).toEqual(["400", "400"]);
    expect(img.getAttribute("loading")).toBe("lazy");
    expect(img.getAttribute("fetchpriority")).toBe("auto");
    expect(img.getAttribute("decoding")).toBe("async");
  });

  it("fetches a priority picture first, at once", () => {
    render(<Picture src="/img/b/b1.svg" alt="双十二茶节" shape="banner" priority />);
    const img = screen.getByRole("img", { name: "双十二茶节" });
    expect([img.getAttribute("width"), img.getAttribute("height")]).toEqual(["1200", "400"]);
    expect(img.getAttribute("loading")).toBe("eager");
    expect(img.getAttribute("fetchpriority")).toBe("high");
  });

  it("keeps its box but requests nothing without an address", () => {
    render(<Picture src="" alt="no picture" shape="icon" />);
    const img = screen.getByRole("img", { name: "no picture" });
    expect(img.hasAttribute("src")).toBe(false);
    expect([img.getAttribute("width"), img.getAttribute("height")]).toEqual(["96", "96"]);
  });
});
