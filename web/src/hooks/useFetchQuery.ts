import type { DescMessage, DescMethodUnary, MessageInitShape, MessageShape } from "@bufbuild/protobuf";
import { createQueryOptions, useTransport } from "@connectrpc/connect-query";
import { useQueryClient } from "@tanstack/react-query";
import { useCallback } from "react";

// useFetchQuery reads a method's answer now, through the query cache like
// useQuery, for the loops that wait for a state (poll): every call asks
// the service (nothing cached is fresh enough) and a failure is the loop's
// to handle, not retried here.
export function useFetchQuery() {
  const qc = useQueryClient();
  const transport = useTransport();
  return useCallback(
    <I extends DescMessage, O extends DescMessage>(method: DescMethodUnary<I, O>, input: MessageInitShape<I>): Promise<MessageShape<O>> =>
      qc.query({ ...createQueryOptions(method, input, { transport }), staleTime: 0, retry: false }),
    [qc, transport],
  );
}
