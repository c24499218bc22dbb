// layoutContextToken lists by hand what layoutView reads from its context: pages whose
// fingerprint is made of their inputs carry it instead of their layout, so a context
// field it missed would leave those pages stale in incremental builds.
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config.ts';
import { layoutContextToken, layoutView, type LayoutContext } from '../../src/render/view.ts';

const NOW = Date.parse('2026-11-20T08:00:00Z');

function context(): LayoutContext {
  return {
    config: { ...defaultConfig, baseUrl: 'https://news.example.com/' },
    now: NOW,
    cssHref: '/style.abc.css',
    nav: [{ path: '/categories/yin-hang/', text: '银行' }],
    footerLinks: [{ path: '/tags/', text: '标签' }],
  };
}

/** One change per context field, each one layoutView shows. */
const CHANGES: { [K in keyof LayoutContext]: (c: LayoutContext) => void } = {
  config: (c) => (c.config = { ...c.config, title: '另一个站点' }),
  now: (c) => (c.now = Date.parse('2027-02-01T00:00:00Z')),
  cssHref: (c) => (c.cssHref = '/style.def.css'),
  nav: (c) => (c.nav = [...c.nav, { path: '/categories/zheng-quan/', text: '证券' }]),
  footerLinks: (c) => (c.footerLinks = [{ path: '/tags/', text: 'Tags' }]),
};

describe('layoutContextToken', () => {
  it('has a change for every field of the layout context', () => {
    expect(Object.keys(CHANGES).sort()).toEqual(Object.keys(context()).sort());
  });

  it.each(Object.keys(CHANGES) as (keyof LayoutContext)[])('changes with %s whenever the layout does', (field) => {
    const before = context();
    const after = context();
    CHANGES[field](after);
    const layout = (c: LayoutContext) => JSON.stringify(layoutView(c, { pageTitle: '标题', canonicalPath: '/2026/11/a/' }));
    expect(layout(after)).not.toBe(layout(before));
    expect(layoutContextToken(after)).not.toBe(layoutContextToken(before));
  });

  it('stays the same through a build time that keeps the footer year', () => {
    const later = { ...context(), now: NOW + 3_600_000 };
    expect(layoutContextToken(later)).toBe(layoutContextToken(context()));
  });
});
