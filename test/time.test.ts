// localParts caches zone offsets by hour; it must agree with Intl everywhere,
// transitions included (DST, Shanghai's 1940s and 1986-91 summer time, Samoa's
// skipped day, Lord Howe's half-hour shift, Kathmandu's +05:45).
import { describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isoInZone, knownZoneOffsets, learnZoneOffsets, localParts, offsetByParts, zoneNameOffset, zoneOffsetsAsked } from '../src/time.ts';
import { loadConfig } from '../src/config.ts';
import { Diagnostics } from '../src/errors.ts';
import { tempDir } from './helpers.ts';

const formats = new Map<string, Intl.DateTimeFormat>();

function byIntl(epochMs: number, timeZone: string) {
  const parts: Record<string, number> = {};
  let format = formats.get(timeZone);
  if (!format) formats.set(timeZone, (format = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' })));
  for (const part of format.formatToParts(new Date(epochMs))) if (part.type !== 'literal') parts[part.type] = Number(part.value);
  return { year: parts['year'], month: parts['month'], day: parts['day'], hour: parts['hour'], minute: parts['minute'], second: parts['second'] };
}

describe('zone offsets kept between runs', () => {
  it('give the same local times without asking Intl again, and drop pairs that cannot be offsets', () => {
    // Learned in this process for one zone, then handed to another zone's name: a zone
    // whose offsets come only from what was learned answers with those offsets.
    const spread = Array.from({ length: 200 }, (_, i) => Date.UTC(1987, 3, 1) + i * 7_301_003);
    const before = spread.map((t) => JSON.stringify(localParts(t, 'Asia/Shanghai')));
    const kept = knownZoneOffsets('Asia/Shanghai');
    // An hour with a transition in it is asked of Intl every time, so of its own zone: left out.
    const transitions = new Set<number>();
    for (let at = 0; at < kept.length; at += 2) if (Number.isNaN(kept[at + 1])) transitions.add(kept[at]!);
    const instants = spread.filter((t) => !transitions.has(Math.floor(t / 3_600_000)));
    const expected = before.filter((_, i) => !transitions.has(Math.floor(spread[i]! / 3_600_000)));
    expect(kept.length).toBeGreaterThan(0);
    const hour = kept[0]!;
    learnZoneOffsets('Etc/GMT-8', Float64Array.from([...kept, hour + 0.5, 0, hour + 1e9, 0, hour, 1234, -1, 3600_000 * 30]));
    const asked = zoneOffsetsAsked();
    const fromKept = instants.map((t) => JSON.stringify(localParts(t, 'Etc/GMT-8')));
    expect(fromKept).toEqual(expected); // 1987's summer time (from April 12), which Etc/GMT-8 does not have
    expect(zoneOffsetsAsked()).toBe(asked);
    expect(knownZoneOffsets('Etc/GMT-8')).toEqual(kept);
  });
});

describe('localParts', () => {
  it('agrees with Intl across transitions, every 47 minutes and a few seconds', () => {
    const spans = [['Asia/Shanghai', 1940, 1942], ['Asia/Shanghai', 1986, 1988], ['Pacific/Apia', 2011, 2012], ['Australia/Lord_Howe', 1991, 1992],
      ['America/New_York', 2024, 2025], ['Asia/Kathmandu', 1985, 1987], ['Europe/Dublin', 1971, 1972]] as const;
    const wrong: string[] = [];
    for (const [zone, from, to] of spans) {
      for (let t = Date.UTC(from, 0, 1); t < Date.UTC(to, 0, 1); t += 47 * 60_000 + 3_001) {
        const [ours, intl] = [JSON.stringify(localParts(t, zone)), JSON.stringify(byIntl(t, zone))];
        if (ours !== intl) wrong.push(`${zone} ${new Date(t).toISOString()}: ${ours} but Intl says ${intl}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('writes ISO times whose offset is the one Intl gives, across transitions', () => {
    const pad = (n: number) => String(n).padStart(2, '0');
    const wrong: string[] = [];
    for (const [zone, from] of [['America/New_York', 2024], ['Australia/Lord_Howe', 1991], ['Asia/Kathmandu', 1986], ['Asia/Shanghai', 1986]] as const) {
      for (let t = Date.UTC(from, 0, 1); t < Date.UTC(from + 1, 0, 1); t += 61 * 60_000 + 7_003) {
        const p = byIntl(t, zone);
        const offset = Math.round((Date.UTC(p.year!, p.month! - 1, p.day, p.hour, p.minute, p.second) - Math.floor(t / 1000) * 1000) / 60000);
        const expected = `${p.year}-${pad(p.month!)}-${pad(p.day!)}T${pad(p.hour!)}:${pad(p.minute!)}:${pad(p.second!)}${offset < 0 ? '-' : '+'}${pad(Math.floor(Math.abs(offset) / 60))}:${pad(Math.abs(offset) % 60)}`;
        if (isoInZone(t, zone) !== expected) wrong.push(`${zone} ${new Date(t).toISOString()}: ${isoInZone(t, zone)} but Intl says ${expected}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('agrees with Intl before 1970, at odd milliseconds and far from today', () => {
    for (const t of [-1, -999, -1000, -1001, Date.UTC(1900, 0, 1) - 1, Date.UTC(1000, 0, 3), Date.UTC(9999, 11, 29), 1_700_000_000_123]) {
      for (const zone of ['Asia/Shanghai', 'America/Sao_Paulo', 'UTC']) expect(localParts(t, zone), `${zone} ${t}`).toEqual(byIntl(t, zone));
    }
  });
});

describe('zone offsets from the zone name', () => {
  it('agree with the offset formatToParts gives, for every zone, at instants from 1850 to 2040', () => {
    let compared = 0;
    for (const zone of Intl.supportedValuesOf('timeZone')) {
      for (let year = 1850; year < 2040; year += 3) {
        // Spread over months, days, hours and half hours; seconds too (LMT offsets have them).
        const instant = Date.UTC(year, (year * 7) % 12, 1 + (year % 27), (year * 5) % 24, (year % 2) * 30, year % 60);
        expect(zoneNameOffset(Math.floor(instant / 1000) * 1000, zone), `${zone} ${new Date(instant).toISOString()}`).toBe(offsetByParts(instant, zone));
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(20_000);
  });
});

describe('site time zones', () => {
  // Canonical names are looked up in Intl's list; other spellings Intl accepts must still pass.
  it('accepts canonical zones, aliases and other spellings Intl accepts, and only those', async () => {
    for (const [zone, accepted] of [['Asia/Shanghai', true], ['Asia/Hong_Kong', true], ['UTC', true], ['Asia/Calcutta', true], ['asia/shanghai', true], ['Mars/Olympus', false]] as const) {
      const dir = await tempDir();
      await writeFile(path.join(dir, 'site.yaml'), `timezone: "${zone}"\n`);
      const diagnostics = new Diagnostics();
      await loadConfig(dir, {}, diagnostics);
      expect(diagnostics.items.some((d) => d.message.includes('time zone')), zone).toBe(!accepted);
    }
  });
});
