import { skipToken, useQuery } from "@connectrpc/connect-query";
import { keepPreviousData } from "@tanstack/react-query";
import { useId, useRef, useState, type FocusEvent, type KeyboardEvent, type SubmitEvent } from "react";
import { useTranslation } from "react-i18next";
import { SearchService } from "@gen/mall/search/v1/search_pb.js";
import { useDebounced } from "../hooks/useDebounced";
import { comboKey } from "../lib/search";
import { Highlighted } from "./Highlighted";

// How long typing must pause before the box asks for suggestions.
const suggestDelay = 150;

// An option of the box's list: a suggestion for what is typed, or, while
// nothing is, a hot search.
interface Option {
  text: string;
  spans: { text: string; matched: boolean }[];
  hot: boolean;
}

// SearchBox is the shop's one search box (in the header, on every page):
// a combobox that suggests completions as one types and, focused while
// empty, offers the hot searches; choosing one, or submitting, calls
// onSearch with it. `initial` is the search the page shows, if any.
export function SearchBox({ initial = "", onSearch }: { initial?: string; onSearch: (query: string) => void }) {
  const { t } = useTranslation();
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const [text, setText] = useState(initial);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const typed = text.trim();
  const prefix = useDebounced(typed, suggestDelay);
  // The suggestions stay while the next ones load, so the list does not
  // flicker with each character.
  const suggest = useQuery(
    SearchService.method.suggestSearches,
    open && prefix ? { prefix, limit: 8 } : skipToken,
    { placeholderData: keepPreviousData },
  );
  const hot = useQuery(SearchService.method.getHotSearches, open && !typed ? { limit: 10 } : skipToken);
  const options: Option[] = typed
    ? (suggest.data?.suggestions ?? [])
    : (hot.data?.queries ?? []).map((q) => ({ text: q, spans: [], hot: true }));
  const listId = `${id}-list`;
  const optionId = (i: number) => `${id}-option-${i}`;
  const listShown = open && (typed ? options.length > 0 : true);
  // While nothing is typed the panel may hold a sentence instead of a list.
  const hotSentence = hot.isError || (hot.data !== undefined && options.length === 0);
  const listRendered = listShown && (typed !== "" || !hotSentence);

  const search = (q: string) => {
    const query = q.trim();
    if (!query) return;
    setText(query);
    setOpen(false);
    setActive(-1);
    // On a phone this puts the keyboard away, uncovering the results.
    input.current?.blur();
    onSearch(query);
  };
  const submit = (e: SubmitEvent) => {
    e.preventDefault();
    search(text);
  };
  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    const action = comboKey(e.key, listShown, active, options.length);
    switch (action.type) {
      case "open":
        setOpen(true);
        break;
      case "move":
        setActive(action.active);
        break;
      case "choose":
        search(options[action.index]?.text ?? text);
        break;
      case "close":
        setOpen(false);
        setActive(-1);
        break;
      case "clear":
        setText("");
        break;
      case "none":
        return;
    }
    e.preventDefault();
  };
  // The list closes when the focus leaves the box and its list (a tap on
  // an option keeps the focus in the input: see onPointerDown below).
  const onBlur = (e: FocusEvent<HTMLDivElement>) => {
    if (!e.currentTarget.contains(e.relatedTarget)) {
      setOpen(false);
      setActive(-1);
    }
  };

  const renderOption = (o: Option, i: number) => (
    <li
      key={`${o.text}-${i}`}
      id={optionId(i)}
      role="option"
      aria-selected={i === active}
      className={o.hot && !typed ? "chip" : undefined}
      onPointerDown={(e) => e.preventDefault()}
      onClick={() => search(o.text)}
    >
      <span translate="no">
        <Highlighted spans={o.spans} text={o.text} />
      </span>
      {o.hot && typed && <span className="hot-tag">{t("searchBox.hot")}</span>}
    </li>
  );

  return (
    <div className="search-box" onBlur={onBlur}>
      <form className="search" role="search" onSubmit={submit}>
        <input
          ref={input}
          type="search"
          name="q"
          role="combobox"
          aria-autocomplete="list"
          aria-expanded={listShown}
          aria-controls={listRendered ? listId : undefined}
          aria-activedescendant={listRendered && active >= 0 ? optionId(active) : undefined}
          placeholder={t("layout.searchPlaceholder")}
          aria-label={t("layout.searchPlaceholder")}
          autoComplete="off"
          enterKeyHint="search"
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            setOpen(true);
            setActive(-1);
          }}
          onFocus={() => setOpen(true)}
          onClick={() => setOpen(true)}
          onKeyDown={onKeyDown}
          maxLength={100}
        />
        <button type="submit">{t("layout.search")}</button>
      </form>
      {listShown && (
        <div className="search-panel">
          {typed ? (
            <ul id={listId} role="listbox" aria-label={t("searchBox.suggestions")} className="suggestions">
              {options.map(renderOption)}
            </ul>
          ) : (
            <section className="hot-searches" aria-labelledby={`${id}-hot`}>
              <h2 id={`${id}-hot`}>{t("searchBox.hotSearches")}</h2>
              {hotSentence ? (
                <p className="muted hot-empty">{hot.isError ? t("searchBox.hotUnavailable") : t("searchBox.noHot")}</p>
              ) : (
                <ul id={listId} role="listbox" aria-labelledby={`${id}-hot`} className="chips" aria-busy={hot.data === undefined}>
                  {options.map(renderOption)}
                </ul>
              )}
            </section>
          )}
        </div>
      )}
    </div>
  );
}
