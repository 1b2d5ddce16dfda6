import { useInfiniteQuery, useQuery } from "@connectrpc/connect-query";
import { useId, useState, type ReactNode, type SubmitEvent } from "react";
import { useTranslation } from "react-i18next";
import { useSearchParams } from "react-router-dom";
import { ProductService } from "@gen/mall/product/v1/product_pb.js";
import { SearchFallback, SearchService, type SearchHit } from "@gen/mall/search/v1/search_pb.js";
import { Highlighted } from "../components/Highlighted";
import { QueryView } from "../components/QueryView";
import { Empty, Loading, MoreOnScroll, ProductCard, SortTabs } from "../components/ui";
import { useLang } from "../hooks/useLang";
import { useTitle } from "../hooks/useTitle";
import { treeRows } from "../lib/categories";
import { reasonOf, retryable } from "../lib/errors";
import {
  activeFilters,
  noFilters,
  priceRangeOf,
  searchParamsOf,
  searchRequestOf,
  searchSorts,
  searchStateOf,
  yuanParam,
  type SearchFilters,
  type SearchState,
} from "../lib/search";

// A process that has just started answers SEARCH_INDEX_WARMING until its
// index has caught up: asked again every two seconds for half a minute.
const warmingTries = 15;
const warmingDelay = 2000;

export function SearchPage() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const state = searchStateOf(params);
  useTitle(state.q ? t("titles.searchFor", { keyword: state.q }) : t("titles.search"));
  // Each change is an entry of the history: back undoes it.
  const show = (next: SearchState) => setParams(searchParamsOf(next));
  if (!state.q) return <Empty>{t("search.prompt")}</Empty>;
  return (
    <div className="search-page">
      <h1>{t("search.resultsFor", { keyword: state.q })}</h1>
      <Results state={state} show={show} />
    </div>
  );
}

// Results are the search's answer under its sorts and filters; a query
// too short to search by has neither, only a line asking for more.
function Results({ state, show }: { state: SearchState; show: (next: SearchState) => void }) {
  const { t } = useTranslation();
  const lang = useLang();
  const q = useInfiniteQuery(SearchService.method.searchProducts, searchRequestOf(state), {
    pageParamKey: "pageToken",
    getNextPageParam: (last) => last.nextPageToken || undefined,
    retry: (failures, err) =>
      reasonOf(err) === "SEARCH_INDEX_WARMING" ? failures < warmingTries : failures < 2 && retryable(err),
    retryDelay: (failures, err) => (reasonOf(err) === "SEARCH_INDEX_WARMING" ? warmingDelay : Math.min(1000 * 2 ** failures, 30_000)),
  });
  const first = q.data?.pages[0];
  const total = first?.total;
  const reason = reasonOf(q.error ?? q.failureReason);
  const filtered = activeFilters(state) > 0;
  // Not a failure: the shopper has not typed enough yet.
  if (reason === "QUERY_TOO_SHORT" && q.isError) return <p className="empty search-hint">{t("search.tooShort")}</p>;
  let body;
  if (reason === "SEARCH_INDEX_WARMING" && q.data === undefined && !q.isError) {
    body = <Loading label={t("search.warming")} />;
  } else {
    body = (
      <QueryView query={q}>
        {(d) =>
          total === 0n ? (
            <NoResults keyword={state.q} filtered={filtered} fallback={first?.fallback} hits={first?.fallbackHits ?? []} />
          ) : (
            <>
              <HitGrid hits={d.pages.flatMap((p) => p.hits)} />
              <MoreOnScroll hasMore={q.hasNextPage} loading={q.isFetchingNextPage} onMore={() => void q.fetchNextPage()} />
            </>
          )
        }
      </QueryView>
    );
  }
  // Nothing to order or narrow: what is offered instead stands alone.
  if (total === 0n && !filtered) return body;
  return (
    <>
      <SortTabs
        label={t("search.sorts")}
        sorts={searchSorts}
        chosen={state.sort}
        name={(s) => t(`search.${s.label}`)}
        onChoose={(s) => show({ ...state, sort: s })}
      />
      <Filters key={filtersKey(state)} filters={state} onApply={(f) => show({ ...state, ...f })}>
        {total !== undefined && total > 0n && (
          <p className="muted result-count" data-total={total.toString()} aria-live="polite">
            {t("search.count", { n: new Intl.NumberFormat(lang).format(total) })}
          </p>
        )}
      </Filters>
      {body}
    </>
  );
}

// filtersKey changes when the URL's filters do (back, forward, a reset):
// the form then starts again from them.
function filtersKey(f: SearchFilters): string {
  return [f.categoryId, f.min, f.max, f.inStock].join("|");
}

// HitGrid shows found products, the words they matched marked in their
// titles.
function HitGrid({ hits }: { hits: SearchHit[] }) {
  return (
    <div className="grid">
      {hits.map(
        (h) =>
          h.product && (
            <ProductCard key={h.product.productId} product={h.product} title={<Highlighted spans={h.titleSpans} text={h.product.title} />} />
          ),
      )}
    </div>
  );
}

// NoResults says nothing matched, and offers what the search service
// found instead: products matching some of the words, or the most sold.
function NoResults({
  keyword,
  filtered,
  fallback,
  hits,
}: {
  keyword: string;
  filtered: boolean;
  fallback: SearchFallback | undefined;
  hits: SearchHit[];
}) {
  const { t } = useTranslation();
  const offer =
    fallback === SearchFallback.SOME_WORDS ? t("search.didYouMean") : fallback === SearchFallback.POPULAR ? t("search.popular") : "";
  return (
    <>
      <Empty>{filtered ? t("search.nothingFiltered", { keyword }) : t("search.nothing", { keyword })}</Empty>
      {offer && hits.length > 0 && (
        <section className="panel search-fallback" data-fallback={SearchFallback[fallback ?? 0]}>
          <h2>{offer}</h2>
          <HitGrid hits={hits} />
        </section>
      )}
    </>
  );
}

// Filters narrows the search by category, price and stock. On a phone it
// is a panel behind a button that counts the filters set; on a wider
// screen a row above the results. Nothing applies until "apply", so a
// price can be typed in peace.
function Filters({
  filters,
  onApply,
  children,
}: {
  filters: SearchFilters;
  onApply: (f: SearchFilters) => void;
  children: ReactNode;
}) {
  const { t } = useTranslation();
  const id = useId();
  const [open, setOpen] = useState(false);
  const [categoryId, setCategoryId] = useState(filters.categoryId);
  const [min, setMin] = useState(filters.min === undefined ? "" : yuanParam(filters.min));
  const [max, setMax] = useState(filters.max === undefined ? "" : yuanParam(filters.max));
  const [inStock, setInStock] = useState(filters.inStock);
  const [checked, setChecked] = useState(false);
  const categories = useQuery(ProductService.method.listCategories, {});
  const range = priceRangeOf(min, max);
  // One line under both prices says what is wrong with the range.
  const problem = !checked || range.ok ? "" : range.max === "belowMin" ? t("search.priceBelowMin") : t("search.priceInvalid");
  const problemId = `${id}-price-problem`;
  const invalid = (which: "min" | "max") => (!checked || range.ok ? false : range[which] !== undefined);
  const submit = (e: SubmitEvent) => {
    e.preventDefault();
    setChecked(true);
    if (!range.ok) return;
    setOpen(false);
    onApply({ categoryId, min: range.min, max: range.max, inStock });
  };
  const n = activeFilters(filters);
  const panelId = `${id}-filters`;
  return (
    <>
      <div className="search-bar">
        {children}
        <button
          type="button"
          className="secondary filter-toggle"
          aria-expanded={open}
          aria-controls={panelId}
          onClick={() => setOpen((o) => !o)}
        >
          {n > 0 ? t("search.filtersOn", { n }) : t("search.filters")}
        </button>
      </div>
      <form id={panelId} className="search-filters" data-open={open} onSubmit={submit} aria-label={t("search.filters")} noValidate>
        <label className="field">
          {/* Named by the text alone: inside the label, the chosen option would join the name. */}
          <span id={`${id}-cat`}>{t("search.category")}</span>
          <select name="cat" aria-labelledby={`${id}-cat`} value={categoryId} onChange={(e) => setCategoryId(e.target.value)}>
            <option value="">{t("search.allCategories")}</option>
            {treeRows(categories.data?.categories ?? []).map(({ category: c, depth }) => (
              <option key={c.categoryId} value={c.categoryId} translate="no">
                {"\u3000".repeat(depth)}
                {c.name}
              </option>
            ))}
          </select>
        </label>
        <div className="price-range" role="group" aria-labelledby={`${id}-price`}>
          <span id={`${id}-price`}>{t("search.price")}</span>
          <div className="price-inputs">
            <PriceInput label={t("search.minPrice")} name="min" value={min} onChange={setMin} invalid={invalid("min")} problemId={problemId} />
            <span aria-hidden>–</span>
            <PriceInput label={t("search.maxPrice")} name="max" value={max} onChange={setMax} invalid={invalid("max")} problemId={problemId} />
          </div>
          {problem && (
            <small id={problemId} className="field-error" data-field="price">
              {problem}
            </small>
          )}
        </div>
        <label className="check">
          <input type="checkbox" name="stock" checked={inStock} onChange={(e) => setInStock(e.target.checked)} />
          {t("search.inStock")}
        </label>
        <div className="filter-actions">
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setOpen(false);
              onApply(noFilters);
            }}
          >
            {t("search.reset")}
          </button>
          <button type="submit">{t("search.apply")}</button>
        </div>
      </form>
    </>
  );
}

// PriceInput is one end of the price range, in yuan; its name is its
// placeholder (the range's label says the unit).
function PriceInput({
  label,
  name,
  value,
  onChange,
  invalid,
  problemId,
}: {
  label: string;
  name: string;
  value: string;
  onChange: (v: string) => void;
  invalid: boolean;
  problemId: string;
}) {
  return (
    <input
      name={name}
      className="price-input"
      inputMode="decimal"
      aria-label={label}
      placeholder={label}
      value={value}
      maxLength={12}
      aria-invalid={invalid || undefined}
      aria-describedby={invalid ? problemId : undefined}
      onChange={(e) => onChange(e.target.value)}
    />
  );
}
