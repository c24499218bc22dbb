// `broadsheet new "<title>"`: scaffolds an article with every frontmatter field, so
// an author fills in blanks instead of remembering names.
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Io } from './cli.ts';
import { loadConfig } from './config.ts';
import { ContentErrors, Diagnostics, UsageError } from './errors.ts';
import { slugFromText, slugProblem } from './slug.ts';
import { isoInZone, localParts, pad } from './time.ts';

export async function createArticle(positionals: string[], flags: Record<string, string | boolean | undefined>, now: number, io: Io): Promise<number> {
  const title = positionals[0]?.trim();
  if (!title) throw new UsageError('give the title: broadsheet new "招商银行发布年报"');
  if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}" (quote a title that has spaces)`);
  const contentDir = flags['content'] as string;
  const diagnostics = new Diagnostics();
  const config = await loadConfig(contentDir, {}, diagnostics);
  if (diagnostics.hasErrors) throw new ContentErrors(diagnostics.sorted());

  const local = localParts(now, config.timezone);
  const explicitSlug = flags['slug'] as string | undefined;
  const slug = explicitSlug ?? (slugFromText(title) || `article-${local.year}${pad(local.month)}${pad(local.day)}-${pad(local.hour)}${pad(local.minute)}`);
  const problem = slugProblem(slug);
  if (problem) throw new UsageError(`the slug "${slug}" ${problem}; choose another with --slug`);

  const file = path.join(contentDir, String(local.year), pad(local.month), `${slug}.md`);
  if (existsSync(file)) throw new UsageError(`${file} already exists; choose another slug with --slug`);
  const category = (flags['category'] as string | undefined) ?? '';
  // JSON strings are valid YAML scalars: titles with colons or quotes need no thought.
  const text = [
    '---',
    `title: ${JSON.stringify(title)}`,
    `date: ${isoInZone(now, config.timezone)}`,
    `category: ${category ? JSON.stringify(category) : ''}`,
    'tags: []',
    'authors: []',
    'source: ',
    'summary: ',
    'tickers: []',
    'headline: false',
    'pick: false',
    'weight: 0',
    'draft: true',
    '---',
    '',
    '正文从这里开始。',
    '',
  ].join('\n');
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text, { flag: 'wx' });
  io.out(`Created ${file}`);
  io.out('It is a draft: set `draft: false` to publish it (or build with --drafts to preview).');
  return 0;
}
