// pageviews.json: an array of row objects, keys named like CSV columns. JSON cannot be
// streamed without a parser library, so it is read whole: it is meant for API dumps of
// modest size; multi-million-row exports belong in CSV. Row line numbers come from a
// one-pass scan of the text, so a warning still points at the row in an editor.
import { readFile } from 'node:fs/promises';
import { columnIndexes, findColumns } from './pageviews-columns.ts';
import type { RowSink } from './pageviews-rows.ts';

/** Feeds the rows of a JSON file to `sink`; false when the file as a whole is unusable. */
export async function readJsonRows(absolutePath: string, sink: RowSink): Promise<boolean> {
  let text = await readFile(absolutePath, 'utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    sink.fail(errorLine(text, message), 'pageviews/invalid-json', `page-view file is not valid JSON: ${message}`, 'export the rows as a JSON array of objects, or as CSV');
    return false;
  }
  if (!Array.isArray(data)) {
    sink.fail(1, 'pageviews/invalid-json', 'page-view file must be a JSON array of row objects', 'e.g. [{"path": "/2026/11/slug/", "date": "2026-11-03", "views": 12}]');
    return false;
  }
  const first: unknown = data[0];
  if (isObject(first)) {
    // The first row decides whether the file speaks our language at all: one clear
    // message beats a warning on every row.
    const found = findColumns(Object.keys(first));
    if ('missing' in found) {
      sink.fail(elementLines(text)[0], 'pageviews/missing-column', `page-view rows have no ${found.missing.join(', ')} field`, 'name the fields like CSV columns, e.g. path, date, views');
      return false;
    }
  }
  const lines = elementLines(text);
  const columnsByKeys = new Map<string, ReturnType<typeof columnIndexes>>();
  data.forEach((row: unknown, i) => {
    const line = lines[i] ?? 1;
    if (!isObject(row)) return sink.warn('pageviews/bad-row', line, 'row is not an object');
    const keys = Object.keys(row);
    // Rows of one export share their keys: find the columns once per set of keys.
    const signature = keys.join('\u0000');
    let c = columnsByKeys.get(signature);
    if (c === undefined) {
      c = columnIndexes(keys);
      columnsByKeys.set(signature, c);
    }
    const values = Object.values(row);
    const cell = (index: number | undefined) => (index === undefined ? undefined : cellText(values[index]));
    sink.add(cell(c.path), cell(c.slug), cell(c.date), cell(c.views), line);
  });
  return true;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function cellText(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : JSON.stringify(value);
}

/** 1-based line where each element of the top-level array starts. */
export function elementLines(text: string): number[] {
  const lines: number[] = [];
  let line = 1;
  let depth = 0;
  let inString = false;
  let expecting = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '\n') {
      line++;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') continue;
    if (depth === 1 && expecting && c !== ']') {
      lines.push(line);
      expecting = false;
    }
    if (c === '"') inString = true;
    else if (c === '[' || c === '{') {
      depth++;
      if (depth === 1) expecting = true;
    } else if (c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 1) expecting = true;
  }
  return lines;
}

/** The line a JSON.parse message points at, when it names a position. */
function errorLine(text: string, message: string): number | undefined {
  const line = /line (\d+)/.exec(message);
  if (line) return Number(line[1]);
  const position = /position (\d+)/.exec(message);
  if (!position) return undefined;
  let count = 1;
  const end = Math.min(Number(position[1]), text.length);
  for (let i = 0; i < end; i++) if (text.charCodeAt(i) === 10) count++;
  return count;
}
