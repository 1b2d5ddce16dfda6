import { create, type DescMessage } from "@bufbuild/protobuf";
import { Code, ConnectError, createRouterTransport, type ConnectRouter } from "@connectrpc/connect";
import { TransportProvider } from "@connectrpc/connect-query";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { FieldRulesSchema, ViolationSchema, ViolationsSchema } from "@gen/buf/validate/validate_pb.js";
import { ErrorInfoSchema } from "./lib/errorDetails";
import { rememberRequest } from "./lib/errors";

interface Violation {
  // path names the violated field from the request message, e.g.
  // ["address", "phone"].
  path: string[];
  // message is protovalidate's English text, which the SPA never shows.
  message: string;
  ruleId?: string;
  // rule names the broken rule in buf.validate.FieldRules, e.g.
  // ["string", "min_len"].
  rule?: string[];
}

// pathIn resolves field names to a FieldPath's elements (names and numbers,
// as protovalidate sends them) from `root` down.
function pathIn(root: DescMessage, names: string[]) {
  let message: DescMessage | undefined = root;
  return names.map((name) => {
    const f = message?.fields.find((x) => x.name === name);
    if (!f) throw new Error(`${root.typeName} has no field ${names.join(".")}`);
    message = f.fieldKind === "message" ? f.message : undefined;
    return { fieldName: name, fieldNumber: f.number };
  });
}

// invalid is a service's answer to a `request` that breaks its contract's
// rules, as protovalidate reports them: invalid_argument carrying
// buf.validate.Violations, each with the path of the field and the rule.
export function invalid(request: DescMessage, ...violations: Violation[]): ConnectError {
  const details = create(ViolationsSchema, {
    violations: violations.map(({ path, message, ruleId = "", rule = [] }) =>
      create(ViolationSchema, {
        message,
        ruleId,
        field: { elements: pathIn(request, path) },
        rule: { elements: pathIn(FieldRulesSchema, rule) },
      }),
    ),
  });
  return new ConnectError("validation error", Code.InvalidArgument, undefined, [{ desc: ViolationsSchema, value: details }]);
}

// refused is a service's refusal as rpcerr.New makes it: a code, an
// English message for logs, and the reason the SPA reads; with metadata,
// as rpcerr.NewWithMetadata makes it.
export function refused(code: Code, reason: string, message = "refused", metadata: Record<string, string> = {}): ConnectError {
  return new ConnectError(message, code, undefined, [
    { desc: ErrorInfoSchema, value: create(ErrorInfoSchema, { reason, domain: "mall", metadata }) },
  ]);
}

// servedBy is the providers main.tsx sets up, for a test's render: the
// services are answered in the test's process by `routes` (Connect's
// router transport, real requests and answers, no network), and a failed
// query is not retried; a failed call keeps its request type, as in main.tsx.
export function servedBy(routes: (router: ConnectRouter) => void) {
  const transport = routerTransport(routes);
  const client = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  return function Providers({ children }: { children: ReactNode }) {
    return (
      <TransportProvider transport={transport}>
        <QueryClientProvider client={client}>{children}</QueryClientProvider>
      </TransportProvider>
    );
  };
}

// routerTransport answers calls in the test's process by `routes`, with
// the SPA's interceptor that keeps a failed call's request type.
export function routerTransport(routes: (router: ConnectRouter) => void) {
  return createRouterTransport(routes, { transport: { interceptors: [rememberRequest] } });
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
