import { fileURLToPath } from "node:url";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, type DescriptorProto } from "@bufbuild/protobuf/wkt";
import { base64Decode, base64Encode } from "@bufbuild/protobuf/wire";
import type { Plugin } from "vite";
import { defineConfig } from "vitest/config";

const gen = fileURLToPath(new URL("../gen/ts", import.meta.url));

// The API is served by `mall dev` on :8080; in `npm run dev` the RPC paths
// (/mall.<domain>.v1.<Service>/<Method>) are proxied there, so the SPA
// calls its own origin exactly as it does when `mall` serves web/dist.
const api = process.env.MALL_API ?? "http://localhost:8080";

// buf.validate.predefined, the FieldOptions extension on every standard
// rule of buf/validate/validate.proto that holds the rule's CEL definition.
const predefinedRuleExtension = 1160;

// trimValidateRules drops the CEL definitions of the standard rules from the
// embedded descriptor of buf/validate/validate.proto: 45 of its 54 kB, on
// the first page because every contract imports the file for its options.
// A validator runs them; the SPA runs none. It reads only the rules' values
// (their messages and fields, kept) to word a violation (src/lib/errors.ts).
function trimValidateRules(): Plugin {
  const strip = (messages: DescriptorProto[]) => {
    for (const message of messages) {
      for (const field of message.field) {
        if (field.options?.$unknown) {
          field.options.$unknown = field.options.$unknown.filter((u) => u.no !== predefinedRuleExtension);
        }
      }
      strip(message.nestedType);
    }
  };
  return {
    name: "mall:trim-validate-rules",
    transform(code, id) {
      if (!id.endsWith("/buf/validate/validate_pb.ts")) return null;
      const embedded = /fileDesc\("([A-Za-z0-9+/]+)"/.exec(code);
      if (!embedded?.[1]) throw new Error(`${id}: no embedded descriptor to trim`);
      const file = fromBinary(FileDescriptorProtoSchema, base64Decode(embedded[1]));
      strip(file.messageType);
      const trimmed = base64Encode(toBinary(FileDescriptorProtoSchema, file), "std_raw");
      return { code: code.replace(embedded[1], trimmed), map: null };
    },
  };
}

// The libraries the first page runs (Preact, the router, TanStack Query,
// Connect, protobuf-es, i18next) in one chunk of their own: its name
// changes only when they do, so a deploy of the mall's own code leaves it
// cached in browsers. What only other pages use stays with them: the
// province/city/district data (30 kB compressed) with the address form,
// react-i18next's <Trans> and TanStack's mutations with the pages that
// have them ($initial: modules the entry imports statically).
const vendor = /[\\/]node_modules[\\/](?!@vant[\\/]area-data)/;

// The SPA is written against React's API and runs on Preact's
// implementation of it (preact/compat): 8 kB compressed where React DOM is
// 56 kB, on the first page of every visit. Every import of react,
// react-dom (and their /client, /jsx-runtime) resolves to it, in the build,
// in `npm run dev` and in the unit tests, so the tests test what ships.
// react-i18next's useSyncExternalStore shim is the hook preact/compat has.
const preact = {
  react: "preact/compat",
  "react-dom": "preact/compat",
  "use-sync-external-store/shim": "preact/compat",
};

export default defineConfig({
  plugins: [trimValidateRules()],
  // JSX compiles to calls of react/jsx-runtime, which is Preact's. React's
  // Fast Refresh does not work on Preact: in `npm run dev` an edit reloads
  // the page.
  oxc: { jsx: { runtime: "automatic", importSource: "react" } },
  resolve: {
    alias: { "@gen": gen, ...preact },
    // gen/ts is outside web/: its runtime imports resolve from web/node_modules.
    dedupe: ["@bufbuild/protobuf"],
  },
  server: {
    fs: { allow: [".", gen] },
    proxy: { "^/mall\\.": { target: api, changeOrigin: true } },
  },
  // The home page and what it needs load first (index.html preloads every
  // chunk the entry imports); every other page is a chunk fetched on its
  // first visit (src/App.tsx), with the contracts only it uses. No source
  // maps in the build: everything in dist/ is served to anyone (`npm run
  // dev` has them for debugging). scripts/compress.mjs then writes the .br
  // and .gz twins the server sends instead.
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
    rolldownOptions: {
      onLog(level, log, handler) {
        // "use client" marks a React server component boundary; an SPA has
        // no server components, and bundling drops the marker harmlessly.
        if (log.code === "MODULE_LEVEL_DIRECTIVE" && log.message.includes('"use client"')) return;
        // The router uses useOptimistic where the React it runs on has it
        // and does without it otherwise (React 18, Preact).
        if (log.code === "IMPORT_IS_UNDEFINED" && log.message.includes("`useOptimistic`")) return;
        handler(level, log);
      },
      output: { codeSplitting: { groups: [{ name: "vendor", test: vendor, tags: ["$initial"] }] } },
    },
  },
  // Logic runs in Node; tests of hooks and components ask for a DOM with
  // a `@vitest-environment happy-dom` comment. Vitest hands libraries to
  // Node untouched, where `react` is React: the ones that import it go
  // through the aliases above instead, Testing Library as its ES module
  // (its CommonJS build would require React DOM).
  test: {
    environment: "node",
    include: ["src/**/*.test.{ts,tsx}"],
    alias: { "@testing-library/react": "@testing-library/react/dist/@testing-library/react.esm.js" },
    server: {
      deps: {
        inline: [/[\\/]node_modules[\\/](@testing-library[\\/]react|react-router|react-i18next|@tanstack[\\/]react-query|@connectrpc[\\/]connect-query)[\\/]/],
      },
    },
  },
});
