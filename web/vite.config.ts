import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

const gen = fileURLToPath(new URL("../gen/ts", import.meta.url));

// The API is served by `mall dev` on :8080; in `npm run dev` the RPC paths
// (/mall.<domain>.v1.<Service>/<Method>) are proxied there, so the SPA
// calls its own origin exactly as it does when `mall` serves web/dist.
const api = process.env.MALL_API ?? "http://localhost:8080";

export default defineConfig({
  plugins: [react()],
  resolve: {
    alias: { "@gen": gen },
    // gen/ts is outside web/: its runtime imports resolve from web/node_modules.
    dedupe: ["@bufbuild/protobuf"],
  },
  server: {
    fs: { allow: [".", gen] },
    proxy: { "^/mall\\.": { target: api, changeOrigin: true } },
  },
  // One bundle of ~170 kB gzipped: React, TanStack Query, Connect and the
  // contracts' descriptors (which embed buf/validate) are most of it. No
  // source maps in the build: everything in dist/ is served to anyone
  // (`npm run dev` has them for debugging).
  build: { outDir: "dist", emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 700 },
  // Logic runs in Node; tests of hooks and components ask for a DOM with
  // a `@vitest-environment happy-dom` comment.
  test: { environment: "node", include: ["src/**/*.test.{ts,tsx}"] },
});
