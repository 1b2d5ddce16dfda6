import js from "@eslint/js";
import { defineConfig, globalIgnores } from "eslint/config";
import reactHooks from "eslint-plugin-react-hooks";
import globals from "globals";
import tseslint from "typescript-eslint";

// `npm run lint` (part of `make test`): the TypeScript of the SPA with
// typescript-eslint's strict type-checked rules and React's hook rules
// (including the React Compiler's checks of purity, refs and effects); the
// Node scripts of the browser journey with ESLint's recommended rules.
// Warnings fail the run too (--max-warnings=0).
export default defineConfig([
  globalIgnores(["dist/", "e2e/artifacts/"]),
  {
    files: ["**/*.{ts,tsx}"],
    extends: [
      js.configs.recommended,
      tseslint.configs.strictTypeChecked,
      tseslint.configs.stylisticTypeChecked,
      reactHooks.configs.flat["recommended-latest"],
    ],
    languageOptions: {
      globals: globals.browser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "react-hooks/exhaustive-deps": "error",
      // `onClick={() => setOpen(true)}` is how handlers are written here.
      "@typescript-eslint/no-confusing-void-expression": ["error", { ignoreArrowShorthand: true }],
      // Numbers and bigints (counts, stock, enum values) read fine in a
      // text; anything else is spelled out.
      "@typescript-eslint/restrict-template-expressions": ["error", { allowNumber: true }],
      // `nickname || username` skips an empty string on purpose: proto3
      // strings are never null, "" is their absence.
      "@typescript-eslint/prefer-nullish-coalescing": ["error", { ignorePrimitives: { string: true } }],
    },
  },
  {
    files: ["**/*.{js,mjs}"],
    extends: [js.configs.recommended],
    languageOptions: { globals: globals.node },
  },
]);
