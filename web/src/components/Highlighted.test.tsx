// @vitest-environment happy-dom
import { cleanup, render } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { Highlighted } from "./Highlighted";

afterEach(cleanup);

describe("Highlighted", () => {
  it("marks the matched pieces and keeps the rest as text", () => {
    const { container } = render(
      <Highlighted
        text="西湖龙井绿茶 Longjing"
        spans={[
          { text: "西湖", matched: false },
          { text: "龙井", matched: true },
          { text: "绿茶 ", matched: false },
          { text: "Longjing", matched: true },
        ]}
      />,
    );
    expect(container.textContent).toBe("西湖龙井绿茶 Longjing");
    expect([...container.querySelectorAll("mark")].map((m) => m.textContent)).toEqual(["龙井", "Longjing"]);
    expect(container.children.length).toBe(2);
  });

  it("shows markup in a title as text, never as elements", () => {
    const { container } = render(<Highlighted text="" spans={[{ text: "<b>茶</b>", matched: true }, { text: "<img src=x>", matched: false }]} />);
    expect(container.querySelector("b, img")).toBeNull();
    expect(container.textContent).toBe("<b>茶</b><img src=x>");
  });

  it("is the plain text without pieces", () => {
    const { container } = render(<Highlighted text="普洱熟茶" spans={[]} />);
    expect(container.innerHTML).toBe("普洱熟茶");
  });
});
