import { describe, expect, it } from 'vitest';
import { absoluteUrl } from '../../src/render/view.ts';
import type { Config } from '../../src/config.ts';

// absoluteUrl skips URL parsing for plain paths; whatever it returns must be what URL resolves.
const BASES = ['http://localhost/', 'https://news.example.com/archive/', 'http://x.com:8080/a/b/', 'https://EXAMPLE.com/', 'https://x.com/?q=1', 'https://x.com/a#top'];
const PATHS = [
  '/', '', '//x', '///x', '//x/y/', '/2020/01/post-0023/', '/feed.xml', '/a//b/', '/A_b~c-d/', '/.well-known/x', '/a/.b/', '/a..b/', '/..a/', '/a/b.',
  '/a/./b/', '/a/../b/', '/../x', '/./', '/.', '/..', '/a/..', '/a/.', '/中文/', '/a%20b/', '/a b/', '/a\\b/', '/a?b', '/a#b',
];

describe('absoluteUrl', () => {
  it('gives what URL resolves for every base and path, plain or not', () => {
    for (const baseUrl of BASES) {
      for (const sitePath of PATHS) {
        expect(absoluteUrl({ baseUrl } as Config, sitePath), `${baseUrl} + ${sitePath}`).toBe(new URL(sitePath.replace(/^\//, ''), baseUrl).href);
      }
    }
  });
});
