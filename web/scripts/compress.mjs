// compress.mjs (the last step of `npm run build`) writes a brotli (.br)
// and a gzip (.gz) twin next to every compressible file of dist/, made once
// at the strongest settings, so the server sends the best encoding a
// browser accepts without compressing anything per request
// (services/platform/webui). It refuses a build with source maps, since
// everything in dist/ is served to anyone, and reports what the first page
// (index.html and the scripts it loads up front) transfers.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { extname, join, posix, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, brotliDecompressSync, constants, gunzipSync, gzipSync } from "node:zlib";

const dist = process.argv[2] ?? fileURLToPath(new URL("../dist", import.meta.url));

// Text formats; pictures and fonts are compressed formats already.
const compressible = new Set([".js", ".mjs", ".css", ".html", ".svg", ".json", ".txt", ".xml", ".webmanifest"]);

function files(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? files(path) : [path];
  });
}

const gzip = (data) => gzipSync(data, { level: constants.Z_BEST_COMPRESSION });
const brotli = (data) =>
  brotliCompressSync(data, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
    },
  });

const all = files(dist).filter((path) => !path.endsWith(".gz") && !path.endsWith(".br"));
const maps = all.filter((path) => path.endsWith(".map"));
if (maps.length > 0) {
  console.error(`compress: source maps in ${dist} would be served to anyone: ${maps.map((p) => relative(dist, p)).join(", ")}`);
  process.exit(1);
}

const sizes = new Map(); // path in dist → [identity, gzip, brotli] bytes
let written = 0;
for (const path of all) {
  if (!compressible.has(extname(path))) continue;
  const data = readFileSync(path);
  const twins = [
    [".gz", gzip(data)],
    [".br", brotli(data)],
  ];
  // Served in place of the file: each must give it back exactly.
  if (!gunzipSync(twins[0][1]).equals(data) || !brotliDecompressSync(twins[1][1]).equals(data)) {
    console.error(`compress: a twin of ${relative(dist, path)} does not decode to it`);
    process.exit(1);
  }
  // A twin no smaller than the file is not written: the file is sent as is.
  for (const [suffix, encoded] of twins) {
    if (encoded.length < data.length) {
      writeFileSync(path + suffix, encoded);
      written++;
    }
  }
  sizes.set("/" + relative(dist, path).split("\\").join("/"), [data.length, twins[0][1].length, twins[1][1].length]);
}

// The first page's scripts: the entry and the chunks index.html preloads,
// and whatever they import statically (what the browser fetches before
// the home page can render).
const html = readFileSync(join(dist, "index.html"), "utf8");
const pending = [...html.matchAll(/<(?:script|link)[^>]+(?:src|href)="(\/[^"]+\.js)"/g)].map((m) => m[1]);
const firstPage = new Set();
while (pending.length > 0) {
  const path = pending.pop();
  if (firstPage.has(path) || !sizes.has(path)) continue;
  firstPage.add(path);
  const code = readFileSync(join(dist, path), "utf8");
  for (const m of code.matchAll(/\bimport\s*(?:[\w$*{}\s,]+from\s*)?["'](\.\.?\/[^"']+\.js)["']/g)) {
    pending.push(posix.join(posix.dirname(path), m[1]));
  }
}
const kb = (n) => `${(n / 1000).toFixed(1)} kB`;
const total = [0, 0, 0];
for (const path of firstPage) sizes.get(path).forEach((n, i) => (total[i] += n));
console.log(`compress: ${written} .gz/.br twins in ${relative(process.cwd(), dist) || "."}`);
console.log(
  `compress: first page JS (${firstPage.size} files): ${kb(total[0])}, ${kb(total[1])} gzip, ${kb(total[2])} brotli`,
);
