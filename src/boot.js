// Loads a TypeScript entry point with no compile step, fast. The first run bundles
// the entry, every src/ file it imports and the packages they use (but for
// EXTERNAL_PACKAGES) with esbuild, applying DEPENDENCY_FIXES on the way, into
// node_modules/.cache/broadsheet/; later runs import that bundle directly while
// every input file still has the same content. Through tsx's loader thread, every
// one of the ~500 files of the unified stack cost a cross-thread round trip, which
// made the start-up 1.0 s instead of 0.4 s. Anything unexpected falls back to tsx.
// Set BROADSHEET_NO_BUNDLE=1 to always use tsx.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import vm from 'node:vm';
import { isMainThread } from 'node:worker_threads';

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
    // Stack traces name the .ts files and lines, as under tsx; but only when one can be
    // shown (--verbose, or tests), since mapping costs every start ~20 ms of the
    // main thread and of each worker. BROADSHEET_SOURCE_MAPS=1 turns them on, =0 off
    // (the benchmark reads --verbose's stage times of builds run as users run them).
    const sourceMaps = process.env.BROADSHEET_SOURCE_MAPS;
    const mapped = sourceMaps ? sourceMaps !== '0' : process.argv.includes('--verbose') || process.env.VITEST;
    if (mapped) process.setSourceMapsEnabled(true);
    // Without stack traces to map, the main thread runs the bundle's CommonJS form with
    // V8's code cache (its ES modules have none on Node 20): see runWithCodeCache.
    const commonJs = bundle.replace(/\.mjs$/, '.cjs');
    if (!mapped && isMainThread && process.env.BROADSHEET_CODE_CACHE !== '0' && existsSync(commonJs)) return runWithCodeCache(commonJs);
    try {
      return await import(pathToFileURL(bundle).href);
    } catch (error) {
      // A bundle that does not load (a syntax error in it: no code ran yet) falls back
      // to tsx; an error thrown by the entry's own code as it loads is the program's.
      if (!(error instanceof SyntaxError)) throw error;
      if (process.env.BROADSHEET_DEBUG_BOOT) console.error('broadsheet: the bundle does not load, using tsx:', error);
    }
  }
  const { register } = await import('tsx/esm/api');
  register();
  return import(entryUrl.href);
}

async function bundleFor(entry) {
  const key = createHash('sha256').update(entry).digest('hex').slice(0, 16);
  const manifestPath = path.join(CACHE_DIR, `${key}.json`);
  // boot.js itself is in the stamp: a change to how it bundles (or to a fix) makes a new bundle.
  const stamp = `${process.version} ${hashOf(fileURLToPath(import.meta.url))}`;
  try {
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    // Reading and hashing the ~530 inputs took ~20 ms of every start (and of every
    // worker's); a stat that still matches the one recorded stands for the content.
    if (manifest.stamp === stamp && manifest.inputs.every(([file, hash, stat]) => (stat != null && statKeyOf(file) === stat) || hashOf(file) === hash)) return path.join(CACHE_DIR, manifest.entry);
  } catch {
    // no bundle yet, or an input is gone: build one
  }

  const { build } = await import('esbuild');
  const startedAt = Date.now();
  const result = await build({
    entryPoints: { entry },
    absWorkingDir: ROOT,
    bundle: true,
    // A module loaded with import() becomes a chunk of its own, loaded only when
    // used: a build on workers never loads the Markdown stack on the main thread,
    // and only `dev` loads the watcher.
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: 'linked',
    metafile: true,
    write: false,
    // Only for the source map's relative paths: the files go to a sibling folder.
    outdir: path.join(CACHE_DIR, key),
    outExtension: { '.js': '.mjs' },
    logLevel: 'silent',
    // Bundled CommonJS packages require Node's built-in modules (and the external
    // packages) through esbuild's shim, which needs a `require` in scope.
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
    plugins: [externalPackages, loadModules],
  });
  // The start of the bundling by the file system's clock, which stamps the inputs
  // (a network mount's may not be this machine's): a stat is trusted only for inputs
  // last changed 2 s or more before esbuild read them.
  const startedAtOnDisk = fileSystemNow() - (Date.now() - startedAt);
  const inputs = Object.keys(result.metafile.inputs).map((file) => {
    const absolute = path.resolve(ROOT, file);
    // What load-modules read is what was bundled: its hash and the stat taken before
    // reading. A file esbuild read itself (JSON) is hashed now.
    const read = loaded.get(absolute) ?? { hash: hashOf(absolute), stat: statSync(absolute) };
    return [absolute, read.hash, trustedStatKey(read.stat, startedAtOnDisk)];
  });
  loaded.clear();
  const commonJs = await commonJsForms(result.outputFiles);
  // The wrapper is in the name too: V8 checks a code cache against its source's length
  // only, so a folder's caches must never outlive a change to how its forms are run.
  const outputsHash = createHash('sha256').update(`common-js ${commonJs.size} ${commonJsWrapper('')}`);
  for (const file of result.outputFiles) outputsHash.update(file.path).update(file.contents);
  for (const [file, text] of commonJs) outputsHash.update(file).update(text);
  const folder = `${key}-${outputsHash.digest('hex').slice(0, 12)}`;
  // Write-then-rename: builds running side by side never read half a bundle.
  const temporary = `.${process.pid}-${Math.random().toString(36).slice(2)}`;
  if (!existsSync(path.join(CACHE_DIR, folder))) {
    const outputs = [...result.outputFiles.map((file) => [file.path, file.contents]), ...commonJs];
    for (const [file, contents] of outputs) {
      const target = path.join(CACHE_DIR, folder + temporary, path.relative(path.join(CACHE_DIR, key), file));
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, contents);
    }
    try {
      renameSync(path.join(CACHE_DIR, folder + temporary), path.join(CACHE_DIR, folder));
    } catch {
      rmSync(path.join(CACHE_DIR, folder + temporary), { recursive: true, force: true }); // another process got there first
    }
  }
  writeFileSync(manifestPath + temporary, JSON.stringify({ stamp, inputs, entry: path.join(folder, 'entry.mjs') }));
  renameSync(manifestPath + temporary, manifestPath);
  removeOldBundles(key, folder);
  return path.join(CACHE_DIR, folder, 'entry.mjs');
}

const ESM_BANNER = "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);";

/**
 * The bundle's chunks as CommonJS (`x.mjs` -> `x.cjs`), for runWithCodeCache: esbuild
 * splits code only as ES modules, so each chunk is converted on its own, its imports of
 * other chunks becoming require() calls (dynamic ones too) and its dynamic imports of
 * the external packages (Pagefind is an ES module only) calls of a function the loader
 * passes in. An empty map (the ES modules only) when any chunk cannot be converted
 * cleanly: a top-level await, an import.meta left, a static import of an external package.
 */
async function commonJsForms(outputFiles) {
  const forms = new Map();
  try {
    const { transform } = await import('esbuild');
    const externalImport = new RegExp(`\\bimport\\("((?:${[...EXTERNAL_PACKAGES].join('|')})(?:/[^"]*)?)"\\)`, 'g');
    for (const file of outputFiles) {
      if (!file.path.endsWith('.mjs')) continue;
      let code = file.text;
      if (code.startsWith(ESM_BANNER)) code = code.slice(ESM_BANNER.length);
      code = code.replace(externalImport, '__importExternal("$1")').replace(/\n\/\/# sourceMappingURL=.*\s*$/, '\n');
      // Checked before converting, which would hide them: import.meta (the forms have
      // none to give), and a dynamic import of anything but a chunk (it would become a
      // require(), which an ES-module-only package refuses).
      if (/\bimport\.meta\b|\bimport\((?!"\.\/)/.test(code)) return new Map();
      const { code: converted } = await transform(code, { format: 'cjs', loader: 'js', platform: 'node', target: 'node20', supported: { 'dynamic-import': false }, logLevel: 'silent' });
      if ([...EXTERNAL_PACKAGES].some((name) => converted.includes(`require("${name}`))) return new Map();
      // Compiled once here (not run): a form V8 would refuse fails now, not mid-build.
      new vm.Script(commonJsWrapper(converted), { filename: file.path });
      forms.set(file.path.replace(/\.mjs$/, '.cjs'), converted);
    }
  } catch (error) {
    if (process.env.BROADSHEET_DEBUG_BOOT) console.error('broadsheet: no CommonJS form of the bundle:', error);
    return new Map();
  }
  return forms;
}

/** A chunk's CommonJS form as the function runWithCodeCache calls; strict, as the ES module was. */
function commonJsWrapper(code) {
  return `(function (exports, require, module, __importExternal) {"use strict";${code}\n})`;
}

/**
 * The cache data of a `.v8cache` file, whose first 32 bytes are its sha256: V8 checks a
 * cache's source, version and flags but, in release builds, not its bytes, and a
 * damaged one stops the process with a fatal error. Undefined for a damaged file.
 */
function checkedCacheData(file) {
  const data = file.subarray(32);
  return file.length > 32 && createHash('sha256').update(data).digest().equals(file.subarray(0, 32)) ? data : undefined;
}

/**
 * V8 flags the program changes as it runs (src/memory.ts records them here with their
 * start-up values): a code cache holds only under the flags it was made with, so they
 * are set back while a cache is checked or made.
 */
const RUNTIME_FLAGS = Symbol.for('broadsheet.v8-start-flags');

/** What kind of run this is (src/cli.ts names it), for runWithCodeCache. */
const RUN_KIND = Symbol.for('broadsheet.run-kind');
const RUNS_FILE = 'code-cache-runs.txt';

function withStartFlags(run) {
  const changed = globalThis[RUNTIME_FLAGS];
  if (!(changed instanceof Map) || changed.size === 0) return run();
  for (const [name, { start }] of changed) setFlagsFromString(`--${name}=${start}`);
  try {
    return run();
  } finally {
    for (const [name, { value }] of changed) setFlagsFromString(`--${name}=${value}`);
  }
}

/**
 * Runs the CommonJS form of a bundle, each chunk through vm.Script with V8's code cache
 * (`x.cjs.v8cache` beside it): compiled code is read back instead of the source being
 * parsed and compiled again, which took ~40 ms of a warm build of 4,000 articles and
 * ~10 ms of a build that finds nothing changed. A chunk with no cache, or one V8
 * rejects (another V8, other flags), runs compiled afresh, and its cache is written
 * as the process exits, with what this run compiled of it. Returns the entry's exports.
 *
 * A cache holds only the functions that had run when it was written: one made by
 * `--help` (the benchmark's first run) left the build's own code to be compiled again
 * by every build, and one made by a cold build the code only warm builds run. So the
 * first run of each kind (RUN_KIND: a command, and for a build whether it was whole,
 * incremental or found nothing changed) writes again the caches of every chunk it
 * loaded, with what it compiled added; the kinds that have are listed in RUNS_FILE.
 */
function runWithCodeCache(entry) {
  const folder = path.dirname(entry);
  const nodeRequire = createRequire(entry);
  const importExternal = (specifier) => import(specifier);
  const modules = new Map();
  const fresh = [];
  const loaded = [];
  const load = (file) => {
    const known = modules.get(file);
    if (known) return known.exports;
    const module = { exports: {} };
    modules.set(file, module);
    const cacheFile = `${file}.v8cache`;
    let cachedData;
    try {
      cachedData = checkedCacheData(readFileSync(cacheFile));
    } catch {
      // none yet
    }
    const source = commonJsWrapper(readFileSync(file, 'utf8'));
    const script = withStartFlags(() => new vm.Script(source, { filename: file, cachedData }));
    loaded.push({ script, cacheFile });
    if (cachedData === undefined || script.cachedDataRejected) {
      fresh.push({ script, cacheFile });
      if (cachedData && process.env.BROADSHEET_DEBUG_BOOT) console.error(`broadsheet: code cache rejected: ${path.basename(file)}`);
    }
    const chunkRequire = (specifier) => (specifier.startsWith('./') ? load(path.join(folder, specifier.replace(/\.mjs$/, '.cjs'))) : nodeRequire(specifier));
    chunkRequire.resolve = nodeRequire.resolve;
    chunkRequire.cache = nodeRequire.cache;
    try {
      script.runInThisContext()(module.exports, chunkRequire, module, importExternal);
    } catch (error) {
      // As an ES module that failed to evaluate: the next import tries again, and fails again.
      modules.delete(file);
      throw error;
    }
    return module.exports;
  };
  process.once('exit', () => {
    const kind = globalThis[RUN_KIND];
    const runsFile = path.join(folder, RUNS_FILE);
    let runs = [];
    try {
      runs = readFileSync(runsFile, 'utf8').split('\n');
    } catch {
      // no run has written the caches yet
    }
    const firstOfItsKind = typeof kind === 'string' && kind !== '' && !kind.includes('\n') && !runs.includes(kind);
    const written = firstOfItsKind ? loaded : fresh;
    if (written.length === 0) return;
    withStartFlags(() => {
      for (const { script, cacheFile } of written) {
        try {
          const temporary = `${cacheFile}.${process.pid}-${Math.random().toString(36).slice(2)}.tmp`;
          const data = script.createCachedData();
          writeFileSync(temporary, Buffer.concat([createHash('sha256').update(data).digest(), data]));
          renameSync(temporary, cacheFile);
        } catch {
          // a read-only node_modules: the next run compiles again
        }
      }
    });
    if (!firstOfItsKind) return;
    try {
      const temporary = `${runsFile}.${process.pid}-${Math.random().toString(36).slice(2)}.tmp`;
      writeFileSync(temporary, [...runs.filter((run) => run !== ''), kind].join('\n'));
      renameSync(temporary, runsFile);
    } catch {
      // read-only: the next run of this kind writes the caches again
    }
  });
  return load(entry);
}

/** Bundles of this entry that an edit replaced; kept an hour, as a running build may still load a chunk. */
function removeOldBundles(key, current) {
  for (const name of readdirSync(CACHE_DIR)) {
    if (name === `${key}.mjs`) rmSync(path.join(CACHE_DIR, name), { force: true }); // the one-file layout of early versions
    if (!name.startsWith(`${key}-`) || name === current) continue;
    const folder = path.join(CACHE_DIR, name);
    try {
      if (Date.now() - statSync(folder).mtimeMs > 3_600_000) rmSync(folder, { recursive: true, force: true });
    } catch {
      // removed by another process meanwhile
    }
  }
}

function hashOf(file) {
  return createHash('sha256').update(readFileSync(file)).digest('hex');
}

/** Inode, size, modification and change times: any write changes the change time, which no tool can set back. */
function statKey(stat) {
  return `${stat.ino}:${stat.size}:${stat.mtimeMs}:${stat.ctimeMs}`;
}

function statKeyOf(file) {
  try {
    return statKey(statSync(file));
  } catch {
    return undefined;
  }
}

/** A change this close to the bundling may share its clock tick: such a file is always hashed (git's "racy clean" rule). */
const TRUSTED_AGE_MS = 2000;

/** The stat key recorded for an input, or null when its stat cannot stand for its content. */
function trustedStatKey(stat, startedAt) {
  return startedAt - Math.max(stat.mtimeMs, stat.ctimeMs) > TRUSTED_AGE_MS ? statKey(stat) : null;
}

/** Now by the clock of the file system the cache is on: the modification time of a file written for the purpose. */
function fileSystemNow() {
  mkdirSync(CACHE_DIR, { recursive: true });
  const probe = path.join(CACHE_DIR, `.clock-${process.pid}-${Math.random().toString(36).slice(2)}`);
  try {
    writeFileSync(probe, '');
    return statSync(probe).mtimeMs;
  } finally {
    rmSync(probe, { force: true });
  }
}

/**
 * Performance fixes to dependencies, applied to their text as they are bundled (with
 * the packages that import them: remark-parse imports mdast-util-from-markdown, which
 * imports micromark). Only the CLI's bundle has them; a package run another way (tsx,
 * the tests' in-process builds) runs as published, and the output is the same. A fix
 * whose text is not found as often as expected (a new version of the package) is
 * skipped, and the package is bundled as published.
 */
export const DEPENDENCY_FIXES = [
  {
    // One object spread per micromark event gave every handler's `this` a new hidden
    // class on Node 20: a fifth of the Markdown time of Chinese finance articles.
    // The same fix as syntax-tree/mdast-util-from-markdown#52 (not released yet).
    file: 'mdast-util-from-markdown/lib/index.js',
    // The fix names the context's fields: it holds only while the context has these.
    requires: 'const context = {\n      stack: [tree],\n      tokenStack: [],\n      config,\n      enter,\n      exit,\n      buffer,\n      resume,\n      data\n    };',
    find: '...context,\n          sliceSerialize: events[index][2].sliceSerialize',
    replace: 'stack: context.stack, tokenStack: context.tokenStack, config: context.config, enter: context.enter, exit: context.exit, buffer: context.buffer, resume: context.resume, data: context.data,\n          sliceSerialize: events[index][2].sliceSerialize',
    times: 3,
  },
  {
    // remark-parse hands micromark the same extension list for every document of a
    // processor (a new empty one when it has none), and micromark merged it with its
    // defaults anew each time.
    file: 'micromark/lib/parse.js',
    find: 'export function parse(options) {\n  const settings = options || {};\n  const constructs = /** @type {FullNormalizedExtension} */\n  combineExtensions([defaultConstructs, ...(settings.extensions || [])]);\n',
    replace: 'const combinedFor = new WeakMap();\nconst noExtensions = [];\nexport function parse(options) {\n  const settings = options || {};\n  const extensions = settings.extensions && settings.extensions.length > 0 ? settings.extensions : noExtensions;\n  let constructs = combinedFor.get(extensions);\n  if (!constructs) combinedFor.set(extensions, (constructs = combineExtensions([defaultConstructs, ...extensions])));\n',
    times: 1,
  },
  {
    // transliterate (through slugify) built a replacement pattern for each of its
    // locales as it loaded, ~15 ms of every process's start and every parse worker's;
    // slugs never ask for a locale. The patterns are built on first use instead.
    file: '@sindresorhus/transliterate/index.js',
    // The two halves hold only together: each requires the other's text.
    requires: '({replacements, pattern} = localeCache.get(normalizedLocale));',
    find: 'for (const [locale, localeMap] of Object.entries(localeReplacements)) {\n\tconst replacements = new Map(builtinReplacements);\n\tfor (const [key, value] of localeMap) {\n\t\treplacements.set(key, value);\n\t}\n\n\tlocaleCache.set(locale, {\n\t\treplacements,\n\t\tpattern: buildReplacementPattern(replacements),\n\t});\n}',
    replace: 'const localeEntry = locale => {\n\tif (!localeCache.has(locale)) {\n\t\tconst replacements = new Map(builtinReplacements);\n\t\tfor (const [key, value] of localeReplacements[locale]) {\n\t\t\treplacements.set(key, value);\n\t\t}\n\t\tlocaleCache.set(locale, {replacements, pattern: buildReplacementPattern(replacements)});\n\t}\n\treturn localeCache.get(locale);\n};',
    times: 1,
  },
  {
    file: '@sindresorhus/transliterate/index.js',
    requires: 'const localeEntry = locale =>',
    find: '({replacements, pattern} = localeCache.get(normalizedLocale));',
    replace: '({replacements, pattern} = localeEntry(normalizedLocale));',
    times: 1,
  },
  {
    // gray-matter loads js-yaml, whose !!js/function type loads esprima (a 280 KB parser)
    // as it starts: ~20 ms of every process and parse worker that reads frontmatter.
    // Broadsheet reads YAML with its own engine (src/parse/yaml.ts) and never through
    // js-yaml, so its JavaScript types are left without a parser, as in a browser build.
    file: 'js-yaml/lib/js-yaml/type/js/function.js',
    find: "  var _require = require;\n  esprima = _require('esprima');",
    replace: '  esprima = undefined;',
    times: 1,
  },
];
/**
 * Packages that run from node_modules: Pagefind starts a platform binary it finds
 * from its own folder; esbuild and tsx are how this file bundles or falls back.
 * Every other package is bundled: Node no longer resolves, reads and compiles the
 * ~500 files of the unified stack one by one (a warm build of the standard 4,000
 * went from 1.09 to 0.95 s, the cold one from 2.99 to 2.94 s, same hour).
 */
const EXTERNAL_PACKAGES = new Set(['pagefind', 'esbuild', 'tsx', 'fsevents']);

const externalPackages = {
  name: 'external-packages',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.kind === 'entry-point' || path.isAbsolute(args.path)) return undefined;
      const parts = args.path.split('/');
      const name = args.path.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
      return args.path.startsWith('node:') || EXTERNAL_PACKAGES.has(name) ? { path: args.path, external: true } : undefined;
    });
  },
};

/** Each source file as load-modules read it for the bundle being made: its content hash and the stat taken before reading. */
const loaded = new Map();

/**
 * Each module keeps its own import.meta.url and CommonJS __dirname (the bundle's would
 * point into the cache), and the fixed dependency files get their fixes. Every file is
 * handed to esbuild as read here, so that the manifest's hash is of the bytes bundled
 * (a file saved while esbuild ran would otherwise be recorded as its new self).
 */
const loadModules = {
  name: 'load-modules',
  setup(build) {
    build.onLoad({ filter: /\.[cm]?[jt]s$/ }, (args) => {
      const stat = statSync(args.path);
      const bytes = readFileSync(args.path);
      loaded.set(args.path, { hash: createHash('sha256').update(bytes).digest('hex'), stat });
      let text = bytes.toString('utf8');
      const posixPath = args.path.split(path.sep).join('/');
      for (const fix of DEPENDENCY_FIXES) {
        if (!posixPath.endsWith(`/node_modules/${fix.file}`)) continue;
        if (text.split(fix.find).length - 1 === fix.times && (fix.requires === undefined || text.includes(fix.requires))) {
          text = text.split(fix.find).join(fix.replace);
        } else if (process.env.BROADSHEET_DEBUG_BOOT) console.error(`broadsheet: ${fix.file} has changed; its performance fix is skipped`);
      }
      if (text.includes('import.meta')) {
        text = text
          .replace(/\bimport\.meta\.url\b/g, JSON.stringify(pathToFileURL(args.path).href))
          .replace(/\bimport\.meta\.dirname\b/g, JSON.stringify(path.dirname(args.path)))
          .replace(/\bimport\.meta\.filename\b/g, JSON.stringify(args.path));
      }
      // Only where the names are Node's: a file that declares its own keeps it.
      if (posixPath.includes('/node_modules/') && /\b__(dirname|filename)\b/.test(text) && !/\b(?:var|let|const|function)\s+__(?:dirname|filename)\b|[(,]\s*__(?:dirname|filename)\s*[,)=]/.test(text)) {
        text = text.replace(/\b__dirname\b/g, JSON.stringify(path.dirname(args.path))).replace(/\b__filename\b/g, JSON.stringify(args.path));
      }
      return { contents: text, loader: /\.[cm]?ts$/.test(args.path) ? 'ts' : 'js' };
    });
  },
};
