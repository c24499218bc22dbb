// slug.ts loads pinyin-pro only for Han text, through require (the package's
// CommonJS build), so parse workers that never need pinyin never load its
// dictionaries. The CommonJS build must read every Han character as the ES module
// build does.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import slugify from '@sindresorhus/slugify';
import { pinyin } from 'pinyin-pro';
import { describe, expect, it } from 'vitest';
import { knowSlugs, slugFromText, takeSlugsUsed } from '../src/slug.ts';
import { random } from './bench/files.ts';

/** slugFromText as it was with pinyin-pro imported as an ES module. */
function slugWithEsModule(text: string): string {
  const readable = /\p{Script=Han}/u.test(text) ? pinyin(text, { toneType: 'none', type: 'array', nonZh: 'consecutive', v: true }).join(' ') : text;
  const slug = slugify(readable, { decamelize: false });
  if (slug.length <= 60) return slug;
  const cut = slug.slice(0, 61);
  const lastHyphen = cut.lastIndexOf('-');
  return (lastHyphen > 0 ? cut.slice(0, lastHyphen) : slug.slice(0, 60)).replace(/-+$/, '');
}

describe('slugFromText', () => {
  it('reads Chinese as pinyin words', () => {
    expect(slugFromText('招商银行 2024 年报')).toBe('zhao-shang-yin-hang-2024-nian-bao');
    expect(slugFromText('Apple 苹果')).toBe('apple-ping-guo');
    expect(slugFromText('绿色金融')).toBe('lv-se-jin-rong');
  });

  // All 103,351 Han code points agreed when this was written; every one in the BMP and
  // every 8th beyond keep the suite fast.
  it('reads Han characters as the ES module build of pinyin-pro does', () => {
    let compared = 0;
    for (let codePoint = 0x2e80; codePoint <= 0x10ffff; codePoint += codePoint < 0x10000 ? 1 : 8) {
      const character = String.fromCodePoint(codePoint);
      if (!/\p{Script=Han}/u.test(character)) continue;
      compared++;
      expect(slugFromText(character), `U+${codePoint.toString(16)}`).toBe(slugWithEsModule(character));
    }
    expect(compared).toBeGreaterThan(30_000);
  }, 60_000);

  it('reads random mixed text as the ES module build does', () => {
    const rnd = random(9);
    const han = [...'银行招商证券股份有限公司长沙重庆行长银行业调查还款和平乐音乐了解朝阳朝代都市首都单于单位解放军尉迟传奇传记曾经曾国藩绿色'];
    const other = [...'abcXYZ019 -_.,，。！😀é'];
    for (let i = 0; i < 5000; i++) {
      const text = Array.from({ length: 1 + Math.floor(rnd() * 14) }, () => {
        const pool = rnd() < 0.7 ? han : other;
        return pool[Math.floor(rnd() * pool.length)]!;
      }).join('');
      expect(slugFromText(text), text).toBe(slugWithEsModule(text));
    }
  });

  it('loads pinyin-pro only when it meets Han text', () => {
    const script = `
      import { createRequire } from 'node:module';
      const { slugFromText } = await import('./src/slug.ts');
      const loaded = () => Object.keys(createRequire(process.cwd() + '/').cache).some((file) => file.includes('/pinyin-pro/'));
      const before = loaded();
      slugFromText('Apple 2024');
      const afterLatin = loaded();
      slugFromText('银行');
      console.log(JSON.stringify([before, afterLatin, loaded()]));`;
    const root = fileURLToPath(new URL('..', import.meta.url));
    const output = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8' });
    expect(JSON.parse(output.trim().split('\n').at(-1)!)).toEqual([false, false, true]);
  });
});

describe('slugs kept between runs', () => {
  it('reuses a slug handed in by text, and reports the slugs used and how many were made', () => {
    takeSlugsUsed();
    knowSlugs(new Map([['测试保存的名字', 'kept-slug']]));
    expect(slugFromText('测试保存的名字')).toBe('kept-slug');
    expect(slugFromText('另一个新名字')).toBe('ling-yi-ge-xin-ming-zi');
    expect(slugFromText('另一个新名字')).toBe('ling-yi-ge-xin-ming-zi');
    const taken = takeSlugsUsed();
    expect(taken.made).toBe(1);
    expect([...taken.slugs]).toEqual([['测试保存的名字', 'kept-slug'], ['另一个新名字', 'ling-yi-ge-xin-ming-zi']]);
    expect(takeSlugsUsed()).toEqual({ slugs: new Map(), made: 0 });
  });
});
