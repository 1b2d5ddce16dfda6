import { TransportProvider } from "@connectrpc/connect-query";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { BrowserRouter } from "react-router-dom";
import { App } from "./App";
import { transport } from "./lib/api";
import { retryable } from "./lib/errors";
// The texts (zh-CN first, English second) and the language switch's state.
import "./lib/i18n";
import { onSessionChange } from "./lib/session";
import "./styles.css";

const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 15_000,
      // Only transient failures are worth repeating; a not-found or a
      // validation error is the answer.
      retry: (failures, err) => failures < 2 && retryable(err),
      refetchOnWindowFocus: false,
    },
  },
});

// Cached answers belong to whoever was signed in: another sign-in (or none)
// starts from an empty cache, so no shopper sees the previous one's data.
onSessionChange(() => queryClient.clear());

const root = document.getElementById("root");
if (!root) throw new Error("#root missing from index.html");
createRoot(root).render(
  <StrictMode>
    <TransportProvider transport={transport}>
      <QueryClientProvider client={queryClient}>
        <BrowserRouter>
          <App />
        </BrowserRouter>
      </QueryClientProvider>
    </TransportProvider>
  </StrictMode>,
);
