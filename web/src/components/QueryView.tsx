import type { ReactNode } from "react";
import { Empty, ErrorBox, Loading } from "./ui";

// QueryState is what QueryView reads of a useQuery or useInfiniteQuery.
interface QueryState<T> {
  isError: boolean;
  error: unknown;
  data: T | undefined;
  refetch: () => unknown;
}

// QueryView shows a query's answer through `children`; until there is one,
// the loading state; a failure as a readable sentence with "Try again";
// and `empty` (in the empty-state box) when `isEmpty` says the answer has
// nothing to show. A failed refetch replaces an older answer: the page
// does not show what may no longer be true.
export function QueryView<T>({
  query,
  isEmpty,
  empty,
  children,
}: {
  query: QueryState<T>;
  isEmpty?: (data: T) => boolean;
  empty?: ReactNode;
  children: (data: T) => ReactNode;
}) {
  if (query.isError) return <ErrorBox error={query.error} retry={() => void query.refetch()} />;
  if (query.data === undefined) return <Loading />;
  if (isEmpty?.(query.data)) return <Empty>{empty}</Empty>;
  return children(query.data);
}
