import type { DescService } from "@bufbuild/protobuf";
import { createConnectQueryKey } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";

// useInvalidate marks every cached answer of the given services stale, so
// the pages showing them fetch again after a change.
export function useInvalidate(): (...services: DescService[]) => Promise<void> {
  const qc = useQueryClient();
  return async (...services) => {
    await Promise.all(
      services.map((schema) => qc.invalidateQueries({ queryKey: createConnectQueryKey({ schema, cardinality: undefined }) })),
    );
  };
}
