import { useEffect, useRef, type InputHTMLAttributes, type ReactNode } from "react";
import { Link } from "react-router-dom";
import type { Product } from "@gen/mall/product/v1/product_pb.js";
import { useNow } from "../hooks/useNow";
import { problemOf, type Problem } from "../lib/errors";
import { countdown, money } from "../lib/format";
import { Picture } from "./Picture";

export function Loading({ label = "Loading…" }: { label?: string }) {
  return (
    <div className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden /> {label}
    </div>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <div className="empty">{children}</div>;
}

// ErrorBox shows a failed call as a readable sentence, never raw detail.
export function ErrorBox({ error, retry }: { error: unknown; retry?: () => void }) {
  if (!error) return null;
  const p = problemOf(error);
  return (
    <div className="error" role="alert">
      {p.message}
      {retry && (
        <button className="link" type="button" onClick={retry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Price({ cents, was }: { cents: bigint; was?: bigint | undefined }) {
  return (
    <span className="price">
      {money(cents)}
      {was !== undefined && was > cents && <s className="was">{money(was)}</s>}
    </span>
  );
}

export function ProductCard({ product }: { product: Product }) {
  return (
    <Link className="card product-card" to={`/product/${product.productId}`} data-product={product.productId}>
      <Picture src={product.imageUrls[0]} alt="" />
      <div className="title">{product.title}</div>
      <div className="meta">
        <Price cents={product.priceCents} />
        <span className="muted">{product.salesCount.toString()} sold</span>
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

export function Countdown({ until, prefix }: { until: number; prefix?: string }) {
  const now = useNow();
  return (
    <span className="countdown" data-until={until}>
      {prefix}
      {countdown(until, now)}
    </span>
  );
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
        <Loading label="Loading more…" />
      ) : (
        <button type="button" className="secondary" onClick={onMore}>
          Load more
        </button>
      )}
    </div>
  );
}
