// Bundles the console's browser code: every src/console/client/*.ts and *.css is an entry point
// (shared modules live in subfolders), built with esbuild into dist/console/assets/ with a content
// hash in each file name, so browsers may cache them for good. dist/console/manifest.json maps
// entry names (console.js, console.css) to the built files; .gz and .br copies are served to
// browsers that accept them. A page's JavaScript over the budget fails the build.
//
//   node .config/build-client.mjs [--outdir DIR]     (default dist/console)
import { build } from 'esbuild';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SOURCE = join(ROOT, 'src/console/client');
/** Gzipped JavaScript one page may load: its entry and every chunk it imports. */
const BUDGET_BYTES = 200 * 1024;

async function main() {
  const at = process.argv.indexOf('--outdir');
  const outdir = at > 0 && process.argv[at + 1] ? process.argv[at + 1] : join(ROOT, 'dist/console');
  const assets = join(outdir, 'assets');
  // Stale hashed files would pile up: every build starts from an empty folder.
  await rm(assets, { recursive: true, force: true });
  await mkdir(assets, { recursive: true });
  const entries = await entryPoints();
  const manifest = entries.length ? await bundle(entries, assets) : {};
  await writeFile(join(outdir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  // `npm run build --silent` (before npm start) keeps the daemon's banner the first output.
  if (process.env.npm_config_loglevel === 'silent') return;
  const shown = Object.entries(manifest).map(([name, file]) => `${name} -> ${file}`);
  console.log(
    `console assets: ${shown.length ? shown.join(', ') : 'none'} (${relative(ROOT, assets) || assets})`,
  );
}

async function entryPoints() {
  const names = await readdir(SOURCE).catch((error) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  return names.filter((n) => /^[a-z0-9-]+\.(ts|css)$/.test(n)).map((n) => join(SOURCE, n));
}

async function bundle(entries, assets) {
  const result = await build({
    entryPoints: entries,
    absWorkingDir: ROOT,
    outdir: assets,
    bundle: true,
    minify: true,
    format: 'esm',
    // Code two entries share (CodeMirror, say) is one cached chunk.
    splitting: true,
    target: ['es2022'],
    entryNames: '[name]-[hash]',
    chunkNames: 'chunks/[name]-[hash]',
    assetNames: 'media/[name]-[hash]',
    loader: { '.svg': 'file', '.woff2': 'file', '.png': 'file' },
    metafile: true,
    logLevel: 'warning',
  });
  // The metafile names files relative to the working directory.
  const outputs = Object.fromEntries(
    Object.entries(result.metafile.outputs).map(([f, o]) => [join(ROOT, f), o]),
  );
  const manifest = {};
  for (const [file, output] of Object.entries(outputs)) {
    if (!output.entryPoint) continue;
    // console.ts -> console.js; console.css, or the CSS that editor.ts imports -> editor.css.
    const name = `${basename(output.entryPoint).replace(/\.(ts|css)$/, '')}${extname(file)}`;
    if (manifest[name]) throw new Error(`two console entry points build ${name}: rename one`);
    manifest[name] = relative(assets, file);
  }
  await checkBudget(outputs, assets);
  await precompress(Object.keys(outputs));
  return Object.fromEntries(Object.entries(manifest).sort(([a], [b]) => a.localeCompare(b)));
}

async function checkBudget(outputs, assets) {
  const gzipped = new Map();
  const size = async (file) => {
    if (!gzipped.has(file)) gzipped.set(file, gzipSync(await readFile(file)).length);
    return gzipped.get(file);
  };
  const over = [];
  for (const [file, output] of Object.entries(outputs)) {
    if (!output.entryPoint || extname(file) !== '.js') continue;
    const loaded = new Set([file]);
    for (const seen of loaded) {
      for (const imported of outputs[seen]?.imports ?? []) {
        if (imported.kind === 'import-statement') loaded.add(join(ROOT, imported.path));
      }
    }
    let total = 0;
    for (const f of loaded) total += await size(f);
    if (total > BUDGET_BYTES) over.push(`${relative(assets, file)}: ${kb(total)} gzipped with its imports`);
  }
  if (over.length) {
    throw new Error(
      `console JavaScript over the ${kb(BUDGET_BYTES)} budget per page:\n  ${over.join('\n  ')}`,
    );
  }
}

async function precompress(files) {
  for (const file of files) {
    if (!/\.(js|css|svg)$/.test(file)) continue;
    const data = await readFile(file);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(`${file}.gz`, gzipSync(data, { level: 9 }));
    await writeFile(
      `${file}.br`,
      brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }),
    );
  }
}

function kb(bytes) {
  return `${(bytes / 1024).toFixed(1)} KB`;
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
