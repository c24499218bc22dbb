// Loads a TypeScript entry point with no compile step, fast. The first run bundles
// the entry and every src/ file it imports with esbuild (packages stay external)
// into node_modules/.cache/broadsheet/; later runs import that bundle directly
// while every input file still has the same content. Node then loads the
// dependencies without a module hook: through tsx's loader thread, every one of
// the ~500 files of the unified stack costs a cross-thread round trip, which made
// the start-up 1.0 s instead of 0.4 s. Anything unexpected falls back to tsx.
// Set BROADSHEET_NO_BUNDLE=1 to always use tsx.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Bump when the bundling below changes, so old bundles are rebuilt. */
const FORMAT = 1;
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const CACHE_DIR = path.join(ROOT, 'node_modules', '.cache', 'broadsheet');

/** Imports the TypeScript module at `entryUrl` (a file: URL) and returns its namespace. */
export async function importTypeScript(entryUrl) {
  let bundle;
  if (!process.env.BROADSHEET_NO_BUNDLE) {
    try {
      bundle = await bundleFor(fileURLToPath(entryUrl));
    } catch (error) {
      if (process.env.BROADSHEET_DEBUG_BOOT) console.error('broadsheet: bundling failed, using tsx:', error);
    }
  }
  if (bundle) {
    // Stack traces (--verbose) name the .ts files and lines, as under tsx.
    process.setSourceMapsEnabled(true);
    return import(pathToFileURL(bundle).href);
  }
  const { register } = await import('tsx/esm/api');
  register();
  return import(entryUrl.href);
}

async function bundleFor(entry) {
  const key = createHash('sha256').update(entry).digest('hex').slice(0, 16);
  const bundlePath = path.join(CACHE_DIR, `${key}.mjs`);
  const manifestPath = path.join(CACHE_DIR, `${key}.json`);
  const stamp = `${FORMAT} ${process.version}`;
  try {
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    if (manifest.stamp === stamp && manifest.inputs.every(([file, hash]) => hashOf(file) === hash)) return bundlePath;
  } catch {
    // no bundle yet, or an input is gone: build one
  }

  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [entry],
    absWorkingDir: ROOT,
    bundle: true,
    packages: 'external',
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'inline',
    metafile: true,
    write: false,
    outfile: bundlePath,
    logLevel: 'silent',
    plugins: [keepImportMeta],
  });
  const inputs = Object.keys(result.metafile.inputs).map((file) => {
    const absolute = path.resolve(ROOT, file);
    return [absolute, hashOf(absolute)];
  });
  mkdirSync(CACHE_DIR, { recursive: true });
  // Write-then-rename: builds running side by side never read half a file.
  const temporary = `.${process.pid}-${Math.random().toString(36).slice(2)}`;
  writeFileSync(bundlePath + temporary, result.outputFiles[0].contents);
  renameSync(bundlePath + temporary, bundlePath);
  writeFileSync(manifestPath + temporary, JSON.stringify({ stamp, inputs }));
  renameSync(manifestPath + temporary, manifestPath);
  return bundlePath;
}

function hashOf(file) {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** Each module keeps its own import.meta.url (the bundle's would point into the cache). */
const keepImportMeta = {
  name: 'keep-import-meta',
  setup(build) {
    build.onLoad({ filter: /\.[cm]?[jt]s$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta')) return undefined;
      const contents = text
        .replace(/\bimport\.meta\.url\b/g, JSON.stringify(pathToFileURL(args.path).href))
        .replace(/\bimport\.meta\.dirname\b/g, JSON.stringify(path.dirname(args.path)))
        .replace(/\bimport\.meta\.filename\b/g, JSON.stringify(args.path));
      return { contents, loader: /\.[cm]?ts$/.test(args.path) ? 'ts' : 'js' };
    });
  },
};
