// @vitest-environment happy-dom
import { create } from "@bufbuild/protobuf";
import { cleanup, configure, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { GetHotSearchesResponseSchema, SearchService, SuggestSearchesResponseSchema } from "@gen/mall/search/v1/search_pb.js";
import zhCN from "../locales/zh-CN";
import { i18n } from "../lib/i18n";
import { servedBy } from "../testing";
import { SearchBox } from "./SearchBox";

afterEach(cleanup);
configure({ asyncUtilTimeout: 5_000 });
beforeAll(() => i18n.changeLanguage("zh-CN"));

// box renders the search box over a search service that suggests two
// completions of any prefix (the first a hot search) and has `hot` as
// its hot searches; it records the prefixes asked about and the searches
// made.
function box(hot: string[] = []) {
  const prefixes: string[] = [];
  const searched: string[] = [];
  const Providers = servedBy((router) =>
    router.service(SearchService, {
      suggestSearches(req) {
        prefixes.push(req.prefix);
        return create(SuggestSearchesResponseSchema, {
          suggestions: [
            { text: `${req.prefix}茶`, spans: [{ text: req.prefix, matched: true }, { text: "茶" }], hot: true },
            { text: `西湖${req.prefix}绿茶`, spans: [{ text: "西湖" }, { text: req.prefix, matched: true }, { text: "绿茶" }] },
          ],
        });
      },
      getHotSearches() {
        return create(GetHotSearchesResponseSchema, { queries: hot });
      },
    }),
  );
  render(
    <Providers>
      <SearchBox onSearch={(q) => searched.push(q)} />
    </Providers>,
  );
  return { input: screen.getByRole("combobox", { name: zhCN.layout.searchPlaceholder }), prefixes, searched };
}

describe("SearchBox", () => {
  it("suggests once typing pauses, marks hot ones and matched words, and searches the one chosen by keys", async () => {
    const { input, prefixes, searched } = box();
    fireEvent.focus(input);
    fireEvent.input(input, { target: { value: "龙" } });
    fireEvent.input(input, { target: { value: "龙井" } });
    const list = await screen.findByRole("listbox", { name: zhCN.searchBox.suggestions });
    expect(prefixes).toEqual(["龙井"]);
    const options = screen.getAllByRole("option");
    expect(options.map((o) => o.textContent)).toEqual(["龙井茶热", "西湖龙井绿茶"]);
    expect(options[1]?.querySelector("mark")?.textContent).toBe("龙井");
    expect(input.getAttribute("aria-expanded")).toBe("true");
    expect(input.getAttribute("aria-controls")).toBe(list.id);

    fireEvent.keyDown(input, { key: "ArrowDown" });
    fireEvent.keyDown(input, { key: "ArrowDown" });
    expect(input.getAttribute("aria-activedescendant")).toBe(options[1]?.id);
    expect(options[1]?.getAttribute("aria-selected")).toBe("true");
    fireEvent.keyDown(input, { key: "Enter" });
    expect(searched).toEqual(["西湖龙井绿茶"]);
    expect(screen.queryByRole("listbox")).toBeNull();
  });

  it("closes with Escape and searches what was typed on Enter", async () => {
    const { input, searched } = box();
    fireEvent.focus(input);
    fireEvent.input(input, { target: { value: "tea" } });
    await screen.findByRole("listbox");
    fireEvent.keyDown(input, { key: "Escape" });
    expect(screen.queryByRole("listbox")).toBeNull();
    expect(input.getAttribute("aria-expanded")).toBe("false");
    fireEvent.submit(screen.getByRole("search"));
    expect(searched).toEqual(["tea"]);
  });

  it("offers the hot searches while empty, and searches one tapped", async () => {
    const { input, prefixes, searched } = box(["龙井", "防晒霜"]);
    fireEvent.focus(input);
    const chip = await screen.findByRole("option", { name: "防晒霜" });
    expect(screen.getByRole("listbox", { name: zhCN.searchBox.hotSearches })).toBeTruthy();
    fireEvent.click(chip);
    expect(searched).toEqual(["防晒霜"]);
    expect(prefixes).toEqual([]);
  });

  it("says so when there are no hot searches yet, as no error", async () => {
    const { input } = box([]);
    fireEvent.focus(input);
    await screen.findByText(zhCN.searchBox.noHot);
    expect(screen.queryByRole("alert")).toBeNull();
    await waitFor(() => expect(input.getAttribute("aria-controls")).toBeNull());
  });
});
