// Related-link queries on two threads (src/index/related/query-pool.ts): the same links
// whoever computes them, and no wait on a helper that stops.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/config.ts';
import { build, closeSession, createSession, SESSION_QUERY_THREAD_MIN_DOCS } from '../../src/build.ts';
import { computeRelated, type RelatedOptions } from '../../src/index/related.ts';
import { buildModel } from '../../src/index/related/model.ts';
import { createJob, QUERY_CHUNK, QueryHelper, runJob, type QueryJob } from '../../src/index/related/query-pool.ts';
import { recordTerms } from '../../src/index/related/terms.ts';
import type { Article } from '../../src/types.ts';
import { generateArticles } from '../bench/related.ts';
import { md, NOW, writeArchive } from '../helpers.ts';

const OPTIONS: RelatedOptions = { limit: defaultConfig.lists.related, settings: defaultConfig.related };

function archive(n: number): Article[] {
  const { articles } = generateArticles(n, 3);
  return articles.map((article, i) => {
    const withRecord = { ...article, terms: recordTerms(article), text: '' };
    // Some pins (one naming nothing), some hidden lists: those stay on the calling thread.
    if (i % 97 === 5) return { ...withRecord, related: { pinned: [articles[(i + 1) % n]!.slug, 'no-such-story'], hidden: false, line: 3 } };
    if (i % 131 === 7) return { ...withRecord, related: { pinned: [], hidden: true, line: 3 } };
    return withRecord;
  });
}

/** What a job computed, doc by doc. */
function results(job: QueryJob): unknown[] {
  return Array.from(job.counts, (count, d) => Array.from({ length: count }, (_, rank) => [job.docs[d * job.limit + rank], ...job.scores.slice(3 * (d * job.limit + rank), 3 * (d * job.limit + rank) + 3)]));
}

describe('related-link queries on two threads', { timeout: 60_000 }, () => {
  const articles = archive(2_500);

  it('give the same lists, scores, diagnostics and explanation as one thread', () => {
    const explain = articles[40]!.slug;
    const one = computeRelated(articles, { ...OPTIONS, explain, queryThread: false });
    const two = computeRelated(articles, { ...OPTIONS, explain, queryThread: true });
    expect(two).toEqual(one);
    expect(one.diagnostics.length).toBeGreaterThan(0);
    expect([...one.lists.values()].filter((links) => links.length > 0).length).toBeGreaterThan(2_000);
  });

  const model = buildModel(articles, OPTIONS.settings);
  const plain = Uint8Array.from(model.docs, (a) => (a.related.pinned.length === 0 && !a.related.hidden ? 1 : 0));
  const chunks = Math.ceil(model.docs.length / QUERY_CHUNK);
  const alone = createJob(model, OPTIONS.settings, OPTIONS.limit, plain);
  runJob(alone);

  it('let the helper thread compute chunks exactly as the calling thread does', async () => {
    const helper = new QueryHelper();
    try {
      await helper.ready;
      const job = createJob(model, OPTIONS.settings, OPTIONS.limit, plain);
      // The helper alone: the calling thread takes no chunk.
      helper.start(job);
      for (let waited = 0; Atomics.load(job.control, 1) < chunks && waited < 30_000; waited += 10) await sleep(10);
      expect(Atomics.load(job.control, 1)).toBe(chunks);
      expect(results(job)).toEqual(results(alone));
    } finally {
      void helper.close();
    }
  });

  it('do the chunks of a helper that stops making progress', () => {
    const job = createJob(model, OPTIONS.settings, OPTIONS.limit, plain);
    // A helper that took three chunks and died.
    Atomics.add(job.control, 0, 3);
    runJob(job, 50);
    expect(results(job)).toEqual(results(alone));
    expect(results(alone).some((links) => (links as unknown[]).length > 0)).toBe(true);
  });

  it('share them with a helper the caller keeps, run after run, and leave it open', async () => {
    const helper = new QueryHelper();
    const jobs: QueryJob[] = [];
    const start = helper.start.bind(helper);
    helper.start = (job) => {
      jobs.push(job);
      start(job);
    };
    try {
      await helper.ready;
      // A second archive whose weights all differ (fewer articles: every idf moves).
      for (const set of [articles, articles.slice(0, 2_300)]) {
        expect(computeRelated(set, { ...OPTIONS, queryHelper: helper })).toEqual(computeRelated(set, { ...OPTIONS, queryThread: false }));
      }
      expect(jobs).toHaveLength(2);
      // Still running: it takes a whole job on its own.
      const job = createJob(model, OPTIONS.settings, OPTIONS.limit, plain);
      start(job);
      for (let waited = 0; Atomics.load(job.control, 1) < chunks && waited < 30_000; waited += 10) await sleep(10);
      expect(results(job)).toEqual(results(alone));
    } finally {
      void helper.close();
    }
  });
});

describe('a build session', { timeout: 120_000 }, () => {
  it(`keeps a query thread from ${SESSION_QUERY_THREAD_MIN_DOCS} articles for its rebuilds, with the links of a build without one`, async () => {
    const words = ['芯片', '银行', '地产', '新能源', '消费', '医药', '汽车', '保险'];
    const files: Record<string, string> = {};
    for (let i = 0; i < SESSION_QUERY_THREAD_MIN_DOCS; i++) {
      const topic = words[i % words.length]!;
      const day = String(1 + (i % 28)).padStart(2, '0');
      files[`a${i}.md`] = md({ title: `${topic}行业动态第${i}期`, date: `2025-03-${day}`, tags: `[${topic}]` }, `${topic}板块今日走势，${words[(i * 7) % words.length]}相关公司公告第${i}号。`);
    }
    const contentDir = await writeArchive(files);
    const options = { contentDir, outDir: '', now: NOW, write: false, render: false, search: false } as const;
    const session = createSession();
    try {
      await build({ ...options, session });
      const helper = session.queryHelper!;
      expect(helper?.alive).toBe(true);
      await helper.ready;
      const jobs: QueryJob[] = [];
      const start = helper.start.bind(helper);
      helper.start = (job) => {
        jobs.push(job);
        start(job);
      };
      // A rebuild after an edit that moves every weight: the same, warm thread gets the queries.
      await writeFile(path.join(contentDir, 'a7.md'), md({ title: '芯片与银行的新闻', date: '2025-03-08', tags: '[芯片, 银行]' }, '芯片银行地产新能源消费医药汽车保险，全都提到。'));
      const rebuilt = await build({ ...options, session });
      expect(session.queryHelper).toBe(helper);
      expect(jobs).toHaveLength(1);
      const alone = await build(options);
      expect(rebuilt.site!.related).toEqual(alone.site!.related);
      expect([...alone.site!.related.values()].filter((links) => links.length > 0).length).toBeGreaterThan(SESSION_QUERY_THREAD_MIN_DOCS / 2);

      // A thread that stopped is replaced at the next build.
      await helper.close();
      await build({ ...options, session });
      expect(session.queryHelper).not.toBe(helper);
      expect(session.queryHelper!.alive).toBe(true);
    } finally {
      const last = session.queryHelper;
      await closeSession(session);
      expect(last?.alive).toBe(false);
    }
    expect(session.queryHelper).toBeUndefined();
  });
});
