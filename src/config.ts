// Site settings: built-in defaults, overlaid by an optional content/site.yaml, then
// by CLI flags. The result is frozen: no stage may change settings mid-build.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Diagnostics } from './errors.ts';
import { isRecord } from './parse/fields.ts';
import type { YamlValue } from './parse/yaml.ts';

export type Language = 'zh-CN' | 'en';

export interface ListLengths {
  /** 您可能也感兴趣. Default 8, as on the reference page. */
  related: number;
  /** 排行. Default 10. */
  mostRead: number;
  /** 今日热点. Default 10. */
  trending: number;
  /** 今日要闻. Default 10. */
  headlines: number;
  /** 为您推荐. Default 3. */
  recommended: number;
  /** 最新. Default 10. */
  latest: number;
}

export interface RelatedSettings {
  /** Days after which the time factor halves. Default 30. */
  halfLifeDays: number;
  /** Below this score an article is not related at all: a short list beats filler. Default 0.08. */
  minScore: number;
  /** Relative weight of each signal. */
  weights: {
    /** Default 3: a shared title term says more than a shared body term. */
    title: number;
    /** Default 1. */
    body: number;
    /** Default 2. */
    tags: number;
    /** Default 0.5. */
    category: number;
    /** Default 3: the same listed company is the strongest sign of the same story. */
    tickers: number;
    /** Default 0.5: authors and source. */
    authors: number;
  };
}

export interface RankingSettings {
  /** Most read counts views in this many days before the build time. Default 7. */
  mostReadDays: number;
  /** Trending views lose half their weight every this many hours. Default 24. */
  trendingHalfLifeHours: number;
  /** Headlines come from this many hours before the build time. Default 24. */
  headlineWindowHours: number;
}

export interface Config {
  title: string;
  description: string;
  /** Absolute site URL, always ending in '/', e.g. 'https://example.com/archive/'. */
  baseUrl: string;
  /** The path part of baseUrl, always starting and ending with '/': '/archive/'. */
  basePath: string;
  language: Language;
  /** IANA zone for date-only frontmatter, archive dates and "today". Default Asia/Shanghai. */
  timezone: string;
  /** Article URL pattern with :year :month :day :slug :category. Default '/:year/:month/:slug/'. */
  permalink: string;
  /** Articles per listing page. Default 20. */
  pageSize: number;
  /** Files larger than this are refused before parsing. Default 2 MB. */
  maxFileBytes: number;
  /** Display columns for titles in lists (a CJK character is 2). Default 44. */
  listTitleWidth: number;
  /** Display columns for summaries derived from the body. Default 160. */
  summaryWidth: number;
  /** Articles per feed. Default 20. */
  feedSize: number;
  /** 'summary' puts the summary in feeds; 'full' the whole article. Default 'summary'. */
  feedContent: 'summary' | 'full';
  /** Static search (Pagefind index, /search/ page, header box). false with `--no-search`. Default true. */
  search: boolean;
  lists: ListLengths;
  related: RelatedSettings;
  rankings: RankingSettings;
}

export const defaultConfig: Config = {
  title: '财经档案',
  description: '',
  baseUrl: 'http://localhost/',
  basePath: '/',
  language: 'zh-CN',
  timezone: 'Asia/Shanghai',
  permalink: '/:year/:month/:slug/',
  pageSize: 20,
  maxFileBytes: 2 * 1024 * 1024,
  listTitleWidth: 44,
  summaryWidth: 160,
  feedSize: 20,
  feedContent: 'summary',
  search: true,
  lists: { related: 8, mostRead: 10, trending: 10, headlines: 10, recommended: 3, latest: 10 },
  related: {
    halfLifeDays: 30,
    minScore: 0.05,
    weights: { title: 3, body: 1.5, tags: 2, category: 1, tickers: 3, authors: 0.5 },
  },
  rankings: { mostReadDays: 7, trendingHalfLifeHours: 24, headlineWindowHours: 24 },
};

export interface ConfigOverrides {
  baseUrl?: string | undefined;
  search?: boolean | undefined;
}

export const SITE_CONFIG_FILE = 'site.yaml';

/** Reads content/site.yaml if present. Problems go to `diagnostics`; defaults fill the gaps. */
export async function loadConfig(contentDir: string, overrides: ConfigOverrides, diagnostics: Diagnostics): Promise<Config> {
  const file = path.join(contentDir, SITE_CONFIG_FILE);
  let raw: YamlValue = null;
  const shown = path.relative(process.cwd(), file) || file;
  let keyLines = new Map<string, number>();
  if (existsSync(file)) {
    // Loaded only for a site.yaml: the YAML parser is ~0.3 MB of code, which a build
    // of an archive without one that ends early because nothing changed never needs.
    const { readYaml } = await import('./parse/yaml.ts');
    const parsed = readYaml(readFileSync(file, 'utf8'));
    keyLines = parsed.keyLines;
    for (const problem of parsed.problems) {
      diagnostics.error(shown, problem.line, 'config/invalid-yaml', `site.yaml is not valid YAML: ${problem.message}`, 'fix the YAML syntax; values need a space after the colon');
    }
    raw = parsed.value;
    if (raw !== null && !isRecord(raw)) {
      diagnostics.error(shown, 1, 'config/not-a-map', 'site.yaml must be a map of settings', 'write one `key: value` per line, e.g. `title: 财经档案`');
      raw = null;
    }
  }
  return resolveConfig(isRecord(raw) ? raw : {}, overrides, (key, message, hint) =>
    diagnostics.error(shown, keyLines.get(key.split('.')[0] ?? key), 'config/invalid-value', `${key}: ${message}`, hint),
  );
}

type Report = (key: string, message: string, hint: string) => void;

/** Pure: settings as read from YAML (strings) -> typed, validated, frozen Config. */
export function resolveConfig(raw: { [key: string]: YamlValue }, overrides: ConfigOverrides, report: Report): Config {
  // A misspelt setting would otherwise be ignored without a word, at the top level or in a section.
  const onlyKnown = (from: { [key: string]: YamlValue }, names: readonly string[], section?: string) => {
    for (const key of Object.keys(from)) {
      if (!names.includes(key)) report(section ? `${section}.${key}` : key, 'unknown setting', `known settings${section ? ` under ${section}` : ''}: ${names.join(', ')}`);
    }
  };
  onlyKnown(raw, ['title', 'description', 'baseUrl', 'language', 'timezone', 'permalink', 'pageSize', 'maxFileBytes', 'listTitleWidth', 'summaryWidth', 'feedSize', 'feedContent', 'lists', 'related', 'rankings']);
  const d = defaultConfig;
  const text = (key: string, fallback: string) => {
    const value = raw[key];
    if (value === undefined || value === null || value === '') return fallback;
    if (typeof value !== 'string') {
      report(key, 'must be text', `write it as \`${key}: some text\``);
      return fallback;
    }
    return value;
  };
  const section = (from: { [key: string]: YamlValue }, key: string, name = key) => {
    const value = from[key];
    if (value === undefined || value === null || value === '') return {};
    if (!isRecord(value)) {
      report(name, 'must be a map', `indent its settings under \`${key}:\``);
      return {};
    }
    return value;
  };
  const number = (from: { [key: string]: YamlValue }, key: string, fallback: number, min: number, name = key) => {
    const value = from[key];
    if (value === undefined || value === null || value === '') return fallback;
    const parsed = typeof value === 'string' ? Number(value) : NaN;
    if (!Number.isFinite(parsed) || parsed < min) {
      report(name, `must be a number of at least ${min}`, `e.g. \`${key}: ${fallback}\``);
      return fallback;
    }
    return parsed;
  };
  const wholeNumber = (from: { [key: string]: YamlValue }, key: string, fallback: number, min: number, name = key) =>
    Math.floor(number(from, key, fallback, min, name));

  const language = text('language', d.language);
  if (language !== 'zh-CN' && language !== 'en') report('language', `unsupported language "${language}"`, 'use zh-CN or en');
  const timezone = text('timezone', d.timezone);
  if (!isTimeZone(timezone)) report('timezone', `unknown time zone "${timezone}"`, 'use an IANA zone name such as Asia/Shanghai or Asia/Hong_Kong');
  const permalink = text('permalink', d.permalink);
  if (!permalink.includes(':slug')) report('permalink', 'must contain :slug', 'e.g. `permalink: /:year/:month/:slug/`');

  const baseUrlText = overrides.baseUrl ?? text('baseUrl', d.baseUrl);
  const baseUrl = normalizeBaseUrl(baseUrlText);
  if (baseUrl === undefined) report('baseUrl', `"${baseUrlText}" is not an absolute http(s) URL`, 'e.g. `baseUrl: https://news.example.com/archive/`');

  const feedContent = text('feedContent', d.feedContent);
  if (feedContent !== 'summary' && feedContent !== 'full') report('feedContent', `must be summary or full, not "${feedContent}"`, 'write `feedContent: full` to put whole articles in feeds');
  const lists = section(raw, 'lists');
  const related = section(raw, 'related');
  const weights = section(related, 'weights', 'related.weights');
  const rankings = section(raw, 'rankings');
  onlyKnown(lists, Object.keys(d.lists), 'lists');
  onlyKnown(related, Object.keys(d.related), 'related');
  onlyKnown(weights, Object.keys(d.related.weights), 'related.weights');
  onlyKnown(rankings, Object.keys(d.rankings), 'rankings');
  const resolvedBase = baseUrl ?? d.baseUrl;

  const config: Config = {
    title: text('title', d.title),
    description: text('description', d.description),
    baseUrl: resolvedBase,
    basePath: new URL(resolvedBase).pathname,
    language: language === 'en' ? 'en' : 'zh-CN',
    timezone: isTimeZone(timezone) ? timezone : d.timezone,
    permalink: permalink.includes(':slug') ? permalink : d.permalink,
    pageSize: wholeNumber(raw, 'pageSize', d.pageSize, 1),
    maxFileBytes: wholeNumber(raw, 'maxFileBytes', d.maxFileBytes, 1),
    listTitleWidth: wholeNumber(raw, 'listTitleWidth', d.listTitleWidth, 8),
    summaryWidth: wholeNumber(raw, 'summaryWidth', d.summaryWidth, 8),
    feedSize: wholeNumber(raw, 'feedSize', d.feedSize, 1),
    feedContent: feedContent === 'full' ? 'full' : 'summary',
    search: overrides.search ?? d.search,
    lists: {
      related: wholeNumber(lists, 'related', d.lists.related, 0, 'lists.related'),
      mostRead: wholeNumber(lists, 'mostRead', d.lists.mostRead, 0, 'lists.mostRead'),
      trending: wholeNumber(lists, 'trending', d.lists.trending, 0, 'lists.trending'),
      headlines: wholeNumber(lists, 'headlines', d.lists.headlines, 0, 'lists.headlines'),
      recommended: wholeNumber(lists, 'recommended', d.lists.recommended, 0, 'lists.recommended'),
      latest: wholeNumber(lists, 'latest', d.lists.latest, 0, 'lists.latest'),
    },
    related: {
      halfLifeDays: number(related, 'halfLifeDays', d.related.halfLifeDays, 0.001, 'related.halfLifeDays'),
      minScore: number(related, 'minScore', d.related.minScore, 0, 'related.minScore'),
      weights: {
        title: number(weights, 'title', d.related.weights.title, 0, 'related.weights.title'),
        body: number(weights, 'body', d.related.weights.body, 0, 'related.weights.body'),
        tags: number(weights, 'tags', d.related.weights.tags, 0, 'related.weights.tags'),
        category: number(weights, 'category', d.related.weights.category, 0, 'related.weights.category'),
        tickers: number(weights, 'tickers', d.related.weights.tickers, 0, 'related.weights.tickers'),
        authors: number(weights, 'authors', d.related.weights.authors, 0, 'related.weights.authors'),
      },
    },
    rankings: {
      mostReadDays: number(rankings, 'mostReadDays', d.rankings.mostReadDays, 0.001, 'rankings.mostReadDays'),
      trendingHalfLifeHours: number(rankings, 'trendingHalfLifeHours', d.rankings.trendingHalfLifeHours, 0.001, 'rankings.trendingHalfLifeHours'),
      headlineWindowHours: number(rankings, 'headlineWindowHours', d.rankings.headlineWindowHours, 0.001, 'rankings.headlineWindowHours'),
    },
  };
  return deepFreeze(config);
}

/** Absolute http(s) URL with a trailing slash, or undefined. */
export function normalizeBaseUrl(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  url.search = '';
  url.hash = '';
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url.href;
}

/**
 * Canonical IANA names, for the common case: the first Intl.DateTimeFormat of a process
 * loads ICU's calendar data (~10 ms, a tenth of a build that finds nothing changed),
 * which the list does not. Aliases and other spellings are still asked of Intl.
 */
let canonicalZones: ReadonlySet<string> | undefined;

function isTimeZone(zone: string): boolean {
  canonicalZones ??= new Set(Intl.supportedValuesOf('timeZone'));
  if (canonicalZones.has(zone)) return true;
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
