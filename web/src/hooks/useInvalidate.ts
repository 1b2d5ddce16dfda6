import type { DescService } from "@bufbuild/protobuf";
import { createConnectQueryKey } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { useCallback } from "react";

// useInvalidate marks every cached answer of the given services stale, so
// the pages showing them fetch again after a change. The function is the
// same on every render (an effect may depend on it).
export function useInvalidate(): (...services: DescService[]) => Promise<void> {
  const qc = useQueryClient();
  return useCallback(
    async (...services: DescService[]) => {
      await Promise.all(
        services.map((schema) => qc.invalidateQueries({ queryKey: createConnectQueryKey({ schema, cardinality: undefined }) })),
      );
    },
    [qc],
  );
}
