import { Fragment } from "react";
import type { TextSpan } from "@gen/mall/search/v1/search_pb.js";

// Highlighted shows a text as the search service cut it, the pieces the
// query matched in <mark>; as text nodes, so a title can hold no markup.
// Without pieces (an empty title) it is the plain text.
export function Highlighted({ spans, text }: { spans: readonly Pick<TextSpan, "text" | "matched">[]; text: string }) {
  if (spans.length === 0) return <>{text}</>;
  return (
    <>
      {spans.map((s, i) => (s.matched ? <mark key={i}>{s.text}</mark> : <Fragment key={i}>{s.text}</Fragment>))}
    </>
  );
}
