import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createRouterTransport, type ConnectRouter } from "@connectrpc/connect";
import { TransportProvider } from "@connectrpc/connect-query";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { ViolationSchema, ViolationsSchema } from "@gen/buf/validate/validate_pb.js";

interface Violation {
  path: string[];
  message: string;
  ruleId?: string;
}

// invalid is a service's answer to a request that breaks its contract's
// rules, as protovalidate reports them: invalid_argument carrying
// buf.validate.Violations, each with the path of proto field names.
export function invalid(...violations: Violation[]): ConnectError {
  const details = create(ViolationsSchema, {
    violations: violations.map(({ path, message, ruleId = "" }) =>
      create(ViolationSchema, { message, ruleId, field: { elements: path.map((fieldName) => ({ fieldName })) } }),
    ),
  });
  return new ConnectError("validation error", Code.InvalidArgument, undefined, [{ desc: ViolationsSchema, value: details }]);
}

// servedBy is the providers main.tsx sets up, for a test's render: the
// services are answered in the test's process by `routes` (Connect's
// router transport, real requests and answers, no network), and a failed
// query is not retried.
export function servedBy(routes: (router: ConnectRouter) => void) {
  const transport = createRouterTransport(routes);
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return function Providers({ children }: { children: ReactNode }) {
    return (
      <TransportProvider transport={transport}>
        <QueryClientProvider client={client}>{children}</QueryClientProvider>
      </TransportProvider>
    );
  };
}

// deferred is a promise the test settles when it chooses (Promise.withResolvers
// is not in Node 20).
export function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((settle) => {
    resolve = settle;
  });
  return { promise, resolve };
}
