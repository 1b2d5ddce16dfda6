import { fileURLToPath } from "node:url";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, type DescriptorProto } from "@bufbuild/protobuf/wkt";
import { base64Decode, base64Encode } from "@bufbuild/protobuf/wire";
import react from "@vitejs/plugin-react";
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

// The libraries (React, the router, TanStack Query, Connect, protobuf-es,
// i18next) in one chunk of their own: its name changes only when they do,
// so a deploy of the mall's own code leaves it cached in browsers. The
// province/city/district data (30 kB compressed) stays with the address
// form, the only page that needs it.
const vendor = /[\\/]node_modules[\\/](?!@vant[\\/]area-data)/;

export default defineConfig({
  plugins: [react(), trimValidateRules()],
  resolve: {
    alias: { "@gen": gen },
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
      output: { codeSplitting: { groups: [{ name: "vendor", test: vendor }] } },
    },
  },
  // Logic runs in Node; tests of hooks and components ask for a DOM with
  // a `@vitest-environment happy-dom` comment.
  test: { environment: "node", include: ["src/**/*.test.{ts,tsx}"] },
});
