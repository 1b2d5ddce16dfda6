import { useEffect, useRef, type InputHTMLAttributes, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router-dom";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import type { Product } from "@gen/mall/product/v1/product_pb.js";
import { EventState, type FlashSaleEvent } from "@gen/mall/seckill/v1/seckill_pb.js";
import { useLang } from "../hooks/useLang";
import { useNow } from "../hooks/useNow";
import { problemOf, type Problem } from "../lib/errors";
import { stateAt } from "../lib/flash";
import { countdown, dateTime, millis, money } from "../lib/format";
import { Picture } from "./Picture";

// When is a moment as the shopper's language writes it, machine-readable
// in <time> (and so not mistaken for untranslated words).
export function When({ at, className }: { at: Timestamp | undefined; className?: string }) {
  const lang = useLang();
  if (!at) return null;
  return (
    <time className={className} dateTime={new Date(millis(at)).toISOString()}>
      {dateTime(at, lang)}
    </time>
  );
}

// SortTabs offers a listing's orders as tabs, the chosen one selected.
export function SortTabs<S extends { id: string }>({
  label,
  sorts,
  chosen,
  onChoose,
  name,
}: {
  label: string;
  sorts: readonly S[];
  chosen: S;
  onChoose: (sort: S) => void;
  name: (sort: S) => string;
}) {
  return (
    <div className="sorts" role="tablist" aria-label={label}>
      {sorts.map((s) => (
        <button key={s.id} type="button" role="tab" aria-selected={s.id === chosen.id} onClick={() => onChoose(s)}>
          {name(s)}
        </button>
      ))}
    </div>
  );
}

export function Loading({ label }: { label?: string }) {
  const { t } = useTranslation();
  return (
    <div className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden /> {label ?? t("common.loading")}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="empty">{children}</div>;
}

// ErrorBox shows a failed call as a readable sentence, never raw detail.
export function ErrorBox({ error, retry }: { error: unknown; retry?: () => void }) {
  // The sentence is made in the current language on each render.
  const { t } = useTranslation();
  if (!error) return null;
  const p = problemOf(error);
  return (
    <div className="error" role="alert">
      {p.message}
      {retry && (
        <button className="link" type="button" onClick={retry}>
          {t("common.tryAgain")}
        </button>
      )}
    </div>
  );
}

export function Price({ cents, was }: { cents: bigint; was?: bigint | undefined }) {
  const lang = useLang();
  return (
    <span className="price">
      {money(cents, lang)}
      {was !== undefined && was > cents && <s className="was">{money(was, lang)}</s>}
    </span>
  );
}

// ProductCard links to a product; `title` replaces its plain title (a
// search's, with the matched words marked).
export function ProductCard({ product, title }: { product: Product; title?: ReactNode }) {
  const { t } = useTranslation();
  return (
    <Link className="card product-card" to={`/product/${product.productId}`} data-product={product.productId}>
      <Picture src={product.imageUrls[0]} alt="" />
      <div className="title" translate="no">
        {title ?? product.title}
      </div>
      <div className="meta">
        <Price cents={product.priceCents} />
        <span className="muted">{t("common.sold", { n: product.salesCount.toString() })}</span>
      </div>
    </Link>
  );
}

export function ProductGrid({ products }: { products: Product[] }) {
  return (
    <div className="grid">
      {products.map((p) => (
        <ProductCard key={p.productId} product={p} />
      ))}
    </div>
  );
}

// Countdown shows the time left until `until` (ms) every second, worded
// by `text` (e.g. time => t("common.endsIn", { time })).
export function Countdown({ until, text }: { until: number; text: (time: string) => string }) {
  const now = useNow(1000, until);
  const lang = useLang();
  return (
    <span className="countdown" data-until={until}>
      {text(countdown(until, now, lang))}
    </span>
  );
}

// SaleClock counts down to a flash sale's start, then to its end, from its
// window and the clock (not the state it was fetched in), then says it ended.
export function SaleClock({ event }: { event: Pick<FlashSaleEvent, "startsAt" | "endsAt"> }) {
  const { t } = useTranslation();
  // Ticks at the start's instants, so it turns live on time.
  const now = useNow(1000, millis(event.startsAt));
  const state = stateAt(event, now);
  if (state === EventState.ENDED) return <span className="muted">{t("common.ended")}</span>;
  if (state === EventState.UPCOMING) return <Countdown until={millis(event.startsAt)} text={(time) => t("common.startsIn", { time })} />;
  return <Countdown until={millis(event.endsAt)} text={(time) => t("common.endsIn", { time })} />;
}

type FieldProps = InputHTMLAttributes<HTMLInputElement> & {
  label: string;
  // path is the request field the server reports violations under.
  path: string;
  problem?: Problem | null | undefined;
};

// Field is a labelled input that shows the server's violation for its
// request field right under it.
export function Field({ label, path, problem, ...input }: FieldProps) {
  const error = problem?.fields[path];
  const id = `f-${path}`;
  return (
    <label className="field" htmlFor={id}>
      <span>{label}</span>
      <input id={id} name={path} aria-invalid={error ? true : undefined} {...input} />
      {error && (
        <small className="field-error" data-field={path}>
          {error}
        </small>
      )}
    </label>
  );
}

// FormProblem is the message above a form; field messages sit by fields.
export function FormProblem({ problem }: { problem: Problem | null }) {
  if (!problem) return null;
  return (
    <div className="error" role="alert">
      {problem.message}
    </div>
  );
}

// MoreOnScroll asks for the next page when it scrolls into view, and is a
// button for those who prefer to click.
export function MoreOnScroll({ hasMore, loading, onMore }: { hasMore: boolean; loading: boolean; onMore: () => void }) {
  const { t } = useTranslation();
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el || !hasMore) return;
    const io = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting) && !loading) onMore();
    });
    io.observe(el);
    return () => io.disconnect();
  }, [hasMore, loading, onMore]);
  if (!hasMore) return null;
  return (
    <div ref={ref} className="more">
      {loading ? (
        <Loading label={t("common.loadingMore")} />
      ) : (
        <button type="button" className="secondary" onClick={onMore}>
          {t("common.loadMore")}
        </button>
      )}
    </div>
  );
}
