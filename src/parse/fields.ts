// Typed reading of frontmatter fields. YAML arrives as exact strings (failsafe
// schema); each reader checks the shape an author meant and explains the fix.
import { isRealDate, zonedToEpoch } from '../time.ts';
import type { YamlValue } from './yaml.ts';

/** A YAML map (here, not in yaml.ts: site.yaml's reader needs this without the YAML parser). */
export function isRecord(value: YamlValue | undefined): value is { [key: string]: YamlValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export type FieldResult<T> = { ok: true; value: T } | { ok: false; message: string; hint: string };

const ok = <T>(value: T): FieldResult<T> => ({ ok: true, value });
const fail = <T>(message: string, hint: string): FieldResult<T> => ({ ok: false, message, hint });

export function readText(name: string, value: YamlValue): FieldResult<string> {
  if (typeof value !== 'string') return fail(`${name} must be text, not a ${describe(value)}`, `write it on one line: \`${name}: ...\``);
  return ok(value.trim());
}

export function readTextList(name: string, value: YamlValue, allowSingle: boolean): FieldResult<string[]> {
  if (value === '' || value === null) return ok([]);
  if (typeof value === 'string') {
    if (allowSingle) return ok([value.trim()]);
    return fail(`${name} must be a list`, `write \`${name}: [${value}]\` or one \`- item\` per line`);
  }
  if (!Array.isArray(value)) return fail(`${name} must be a list, not a ${describe(value)}`, `write \`${name}: [a, b]\``);
  const items: string[] = [];
  for (const item of value) {
    if (typeof item !== 'string') return fail(`every item of ${name} must be text, found a ${describe(item)}`, 'put each item on its own line as `- text`');
    const trimmed = item.trim();
    if (trimmed !== '' && !items.includes(trimmed)) items.push(trimmed);
  }
  return ok(items);
}

export function readBoolean(name: string, value: YamlValue): FieldResult<boolean> {
  if (value === 'true') return ok(true);
  if (value === 'false' || value === '' || value === null) return ok(false);
  return fail(`${name} must be true or false, not ${JSON.stringify(value)}`, `write \`${name}: true\` or \`${name}: false\``);
}

export function readNumber(name: string, value: YamlValue): FieldResult<number> {
  const parsed = typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(parsed)) return fail(`${name} must be a number, not ${JSON.stringify(value)}`, `e.g. \`${name}: 5\``);
  return ok(parsed);
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?)?$/i;
const DATE_HINT = 'use YYYY-MM-DD, or YYYY-MM-DDTHH:MM:SS+08:00 with an offset';

/**
 * Dates with an offset (or Z) are that instant. A date or date-time without one is
 * wall-clock time in the site's time zone: `date: 2018-03-05` is midnight in Shanghai
 * by default, so the article lands under /2018/03/ whatever zone CI runs in.
 */
export function readDate(name: string, value: YamlValue, timeZone: string): FieldResult<number> {
  if (typeof value !== 'string') return fail(`${name} must be a date, not a ${describe(value)}`, DATE_HINT);
  const match = DATE.exec(value.trim());
  if (!match) return fail(`${name} "${value}" is not a date`, DATE_HINT);
  const [, y, mo, d, h = '0', mi = '0', s = '0', zone] = match;
  const local = { year: Number(y), month: Number(mo), day: Number(d), hour: Number(h), minute: Number(mi), second: Number(s) };
  if (!isRealDate(local.year, local.month, local.day)) {
    return fail(`${name} ${y}-${mo}-${d} is not a real calendar day`, `check the month (01-12) and the day; e.g. February ${local.year} has ${new Date(Date.UTC(local.year, 2, 0)).getUTCDate()} days`);
  }
  if (local.hour > 23 || local.minute > 59 || local.second > 59) return fail(`${name} "${value}" has an impossible time of day`, 'hours run 00-23, minutes and seconds 00-59');
  if (zone === undefined) return ok(zonedToEpoch(local, timeZone));
  const naive = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second);
  if (zone.toUpperCase() === 'Z') return ok(naive);
  const digits = zone.replace(':', '');
  const offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (Number(digits.slice(1, 3)) * 60 + Number(digits.slice(3, 5)));
  if (Math.abs(offsetMinutes) > 14 * 60) return fail(`${name} has an impossible UTC offset ${zone}`, 'offsets run from -12:00 to +14:00');
  return ok(naive - offsetMinutes * 60_000);
}

function describe(value: YamlValue | undefined): string {
  if (Array.isArray(value)) return 'list';
  if (value === null || value === undefined) return 'blank value';
  if (typeof value === 'object') return 'map';
  return 'text';
}
