// Calendar arithmetic in the site's time zone, through Intl only: Node 20 has no
// Temporal, and a time-zone library would be a heavy dependency for two functions.
// Everything here is pure: the build time is always passed in, never read here.

export interface LocalDateTime {
  year: number;
  /** 1-12 */
  month: number;
  /** 1-31 */
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/**
 * Zone offsets by hour: Intl's formatToParts is slow (~5-40 µs a call), and a build
 * asks for the local time of every article several times (its URL, its date lines,
 * its month, its listings). An hour whose two ends have the same offset has that
 * offset throughout (no zone changes twice in an hour), so the first time an hour is
 * seen its two ends are asked and the offset is kept. An hour with a transition in
 * it always asks Intl.
 */
const offsetsByHour = new Map<string, Map<number, number>>();
const HAS_TRANSITION = NaN;
const MAX_CACHED_HOURS = 200_000;
const CACHED_FROM = Date.UTC(1000, 0, 2);
const CACHED_UNTIL = Date.UTC(9999, 11, 30);

/** Hours whose offset this process asked Intl about (learnZoneOffsets adds none). */
let hoursAsked = 0;

/**
 * The offsets known so far in `timeZone`, as [hour, offset ms] pairs (NaN: a transition
 * within that hour), for a cache to keep between runs: a warm build of 4,000 Chinese
 * articles otherwise asked Intl about ~4,000 hours again, ~30 ms with the formatter.
 * They hold for this ICU and time-zone data only (zoneDataVersion).
 */
export function knownZoneOffsets(timeZone: string): Float64Array {
  const hours = offsetsByHour.get(timeZone);
  const pairs = new Float64Array(2 * (hours?.size ?? 0));
  let at = 0;
  for (const [hour, offset] of hours ?? []) {
    pairs[at++] = hour;
    pairs[at++] = offset;
  }
  return pairs;
}

/** Takes offsets kept by knownZoneOffsets (under the same zoneDataVersion); ignores pairs that cannot be offsets. */
export function learnZoneOffsets(timeZone: string, pairs: Float64Array): void {
  let hours = offsetsByHour.get(timeZone);
  if (!hours) offsetsByHour.set(timeZone, (hours = new Map()));
  for (let at = 0; at + 1 < pairs.length && hours.size < MAX_CACHED_HOURS; at += 2) {
    const hour = pairs[at]!;
    const offset = pairs[at + 1]!;
    const plausible = Number.isNaN(offset) || (Number.isInteger(offset / 1000) && Math.abs(offset) <= MAX_OFFSET_MS);
    if (Number.isInteger(hour) && hour * HOUR_MS >= CACHED_FROM && hour * HOUR_MS < CACHED_UNTIL && plausible) hours.set(hour, offset);
  }
}

/** How many hours' offsets this process has asked Intl about so far: a build that asked none has nothing new to keep. */
export function zoneOffsetsAsked(): number {
  return hoursAsked;
}

/** What the offsets depend on besides the zone's name: ICU and its time-zone data. */
export function zoneDataVersion(): string {
  return `icu ${process.versions.icu ?? ''} tz ${process.versions.tz ?? ''}`;
}

/** No zone has been more than a day from UTC. */
const MAX_OFFSET_MS = 86_400_000;

/** The wall-clock date and time in `timeZone` at the instant `epochMs`. */
export function localParts(epochMs: number, timeZone: string): LocalDateTime {
  // Intl writes years before 1000 and after 9999 its own way; keep its answer there.
  if (!(epochMs >= CACHED_FROM && epochMs < CACHED_UNTIL)) return intlParts(epochMs, timeZone);
  let hours = offsetsByHour.get(timeZone);
  if (!hours) offsetsByHour.set(timeZone, (hours = new Map()));
  const hour = Math.floor(epochMs / HOUR_MS);
  let offset = hours.get(hour);
  if (offset === undefined) {
    if (hours.size >= MAX_CACHED_HOURS) hours.clear();
    const start = hour * HOUR_MS;
    hoursAsked++;
    offset = intlOffset(start, timeZone);
    if (intlOffset(start + HOUR_MS - 1000, timeZone) !== offset) offset = HAS_TRANSITION;
    hours.set(hour, offset);
  }
  if (Number.isNaN(offset)) return intlParts(epochMs, timeZone);
  const local = new Date(Math.floor(epochMs / 1000) * 1000 + offset);
  return {
    year: local.getUTCFullYear(),
    month: local.getUTCMonth() + 1,
    day: local.getUTCDate(),
    hour: local.getUTCHours(),
    minute: local.getUTCMinutes(),
    second: local.getUTCSeconds(),
  };
}

/**
 * Offset of the wall clock from UTC at a whole second, by Intl: from the zone's
 * "GMT+08:00" (or "GMT-03:30", "GMT+08:05:43", "GMT" for zero) name, one format call
 * without the parts array of formatToParts: less than half its cost. The two agree
 * on every zone at instants from 1850 to 2040 (test/time.test.ts).
 */
function intlOffset(epochSecondMs: number, timeZone: string): number {
  return zoneNameOffset(epochSecondMs, timeZone) ?? offsetByParts(epochSecondMs, timeZone);
}

/** The offset read from Intl's zone offset name at an instant; undefined when the name is not of the known form. */
export function zoneNameOffset(epochMs: number, timeZone: string): number | undefined {
  const match = GMT_OFFSET.exec(offsetFormatterFor(timeZone).format(epochMs));
  if (!match) return undefined;
  if (match[1] === undefined) return 0;
  const ms = ((Number(match[2]) * 60 + Number(match[3])) * 60 + Number(match[4] ?? 0)) * 1000;
  return match[1] === '-' ? -ms : ms;
}

const GMT_OFFSET = /GMT(?:([+-])(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;
const offsetFormatters = new Map<string, Intl.DateTimeFormat>();

function offsetFormatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = offsetFormatters.get(timeZone);
  if (!formatter) offsetFormatters.set(timeZone, (formatter = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' })));
  return formatter;
}

/** The offset Intl's date parts give: slower, and what the zone name is checked against. */
export function offsetByParts(epochMs: number, timeZone: string): number {
  return offsetOf(intlParts(epochMs, timeZone), epochMs);
}

function intlParts(epochMs: number, timeZone: string): LocalDateTime {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(new Date(epochMs))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return {
    year: parts['year'] ?? 1970,
    month: parts['month'] ?? 1,
    day: parts['day'] ?? 1,
    hour: parts['hour'] ?? 0,
    minute: parts['minute'] ?? 0,
    second: parts['second'] ?? 0,
  };
}

/** Offset of `timeZone` from UTC at the instant `epochMs`, in milliseconds. */
export function zoneOffsetMs(epochMs: number, timeZone: string): number {
  return offsetOf(localParts(epochMs, timeZone), epochMs);
}

/** The offset of a wall-clock reading `p` taken at the instant `epochMs`. */
function offsetOf(p: LocalDateTime, epochMs: number): number {
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(epochMs / 1000) * 1000;
}

/** The instant at which the wall clock in `timeZone` shows the given local time. */
export function zonedToEpoch(local: LocalDateTime, timeZone: string): number {
  const naive = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute, local.second);
  // Two passes settle the offset even across a DST change.
  let guess = naive - zoneOffsetMs(naive, timeZone);
  guess = naive - zoneOffsetMs(guess, timeZone);
  return guess;
}

/** True when year-month-day names a real calendar day (no 2024-02-30, no month 13). */
export function isRealDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  return day <= new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** 'YYYY-MM-DD' of the instant in `timeZone`. */
export function localDateKey(epochMs: number, timeZone: string): string {
  const p = localParts(epochMs, timeZone);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}`;
}

/** ISO 8601 with the zone's offset, e.g. '2018-03-05T09:30:00+08:00': for <time> and JSON-LD. */
export function isoInZone(epochMs: number, timeZone: string): string {
  const p = localParts(epochMs, timeZone);
  const offsetMinutes = Math.round(offsetOf(p, epochMs) / 60000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

export function pad(n: number): string {
  return String(n).padStart(2, '0');
}

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
