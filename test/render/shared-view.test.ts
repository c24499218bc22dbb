// Shared views stand as one token in page fingerprints; the token must follow their content.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { build } from '../../src/build.ts';
import { sitePages } from '../../src/render/pages.ts';
import { isSharedView, jsonDigest, sharedView, withTokens } from '../../src/render/shared-view.ts';
import { NOW } from '../helpers.ts';

describe('jsonDigest', () => {
  it('tells apart strings that differ only in a lone surrogate, which UTF-8 would merge', () => {
    const keys = ['["a\ud800b"]', '["a\udbffb"]', '["a\ufffdb"]', '["a\udc00b"]', '["a\ud83d\ude00b"]', '["ab"]'];
    expect(new Set(keys.map(jsonDigest)).size).toBe(keys.length);
    expect(jsonDigest('["中文", 1]')).toBe(jsonDigest(`["中文", ${1}]`));
  });
});

describe('shared views', () => {
  it('serialize as a token that changes with their fields, nested shared views included', () => {
    const item = (title: string) => sharedView({ href: '/a/', text: title, title });
    const token = (value: object) => JSON.stringify(value);
    expect(token(item('招商银行'))).toBe(token(item('招商银行')));
    expect(token(item('招商银行'))).not.toBe(token(item('招商银行年报')));
    // A side column of forty links stands as a short hash.
    const column = (last: string) => sharedView(Array.from({ length: 40 }, (_, i) => ({ href: `/${i}/`, text: i === 39 ? last : `标题${i}` })));
    expect(token(column('甲')).length).toBeLessThan(100);
    expect(token(column('甲'))).toBe(token(column('甲')));
    expect(token(column('甲'))).not.toBe(token(column('乙')));
    // A short view's token is its JSON, marked: never equal to a string field holding that text.
    expect(JSON.stringify({ x: item('甲') })).not.toBe(JSON.stringify({ x: JSON.stringify({ href: '/a/', text: '甲', title: '甲' }) }));
    const list = (title: string) => sharedView([{ key: 'most-read', items: [item('甲'), item(title)] }]);
    expect(token(list('乙'))).toBe(token(list('乙')));
    expect(token(list('乙'))).not.toBe(token(list('丙')));
    // A page's data holding a shared view changes its JSON when the view does.
    expect(JSON.stringify({ page: 1, aside: list('乙') })).not.toBe(JSON.stringify({ page: 1, aside: list('丙') }));
  });

  it('stay plain to templates: no extra enumerable field, arrays still arrays', () => {
    const view = sharedView({ a: 1 });
    expect(Object.keys(view)).toEqual(['a']);
    expect({ ...view }).toEqual({ a: 1 });
    const list = sharedView([1, 2]);
    expect(Array.isArray(list)).toBe(true);
    expect(list.map((n) => n * 2)).toEqual([2, 4]);
    expect(isSharedView(view)).toBe(true);
    expect(isSharedView({ a: 1 })).toBe(false);
    expect(isSharedView(undefined)).toBe(false);
  });

  it('give the same JSON with their tokens put in place first (withTokens), for any value and every page of the sample site', async () => {
    const item = (title: string) => sharedView({ href: '/a/', text: title, title });
    const column = sharedView(Array.from({ length: 40 }, (_, i) => ({ href: `/${i}/`, items: [item(`标题${i}`)] })));
    const sparse = [1, , 3]; // eslint-disable-line no-sparse-arrays
    const values: unknown[] = [
      { a: item('甲'), b: [item('乙'), undefined, null, 2, 'x'], c: undefined, d: { e: column, f: new Date(0), g: new Map([[1, 2]]) } },
      [column, [item('丙'), { nested: item('丁') }]],
      sparse, 'plain', 3, null, { toJSON: () => 'own' }, Object.assign(Object.create(null), { k: item('戊') }),
    ];
    for (const value of values) expect(JSON.stringify(withTokens(value))).toBe(JSON.stringify(value));
    const { site } = await build({ contentDir: fileURLToPath(new URL('../../content/', import.meta.url)), outDir: '', now: NOW, render: false, search: false });
    let compared = 0;
    for (const page of sitePages(site!, { files: new Map(), cssHref: '/assets/style.css' })) {
      if (!('template' in page)) continue;
      const inputs = page.fingerprintInputs === undefined ? page.data : page.fingerprintInputs;
      expect(JSON.stringify(withTokens(inputs)), page.path).toBe(JSON.stringify(inputs));
      compared++;
    }
    expect(compared).toBeGreaterThan(100);
  });
});
