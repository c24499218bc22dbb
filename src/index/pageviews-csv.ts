// A streaming CSV reader small enough to read in one sitting. An export of millions of
// rows must never become one string, and a callback per record (not an async iterator)
// keeps the per-row cost to a function call: at 5,000,000 rows a promise per row would
// cost seconds.
import { createReadStream } from 'node:fs';

export interface CsvHandlers {
  /** One record: its fields (not trimmed) and the 1-based line it starts on. */
  record(fields: string[], line: number): void;
  /** A blank line or a '#' comment line (GA4 writes both around its tables). */
  gap(): void;
}

const CHUNK_BYTES = 1 << 20;
const HASH = 0x23;

/** Reads `file` as UTF-8 CSV (RFC 4180 quoting, LF or CRLF, optional BOM). */
export async function streamCsv(file: string, handlers: CsvHandlers): Promise<void> {
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: CHUNK_BYTES });
  let line = 0;
  let carry = '';
  let first = true;
  // A quoted field may hold line breaks: such a record is gathered until its quotes close.
  let open = '';
  let openLine = 0;
  let width = 1;

  const take = (raw: string) => {
    line++;
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (open !== '') {
      open += '\n' + text;
      if (quotesClosed(open)) {
        handlers.record(splitQuoted(open), openLine);
        open = '';
      }
      return;
    }
    if (text === '' || text.charCodeAt(0) === HASH) return handlers.gap();
    if (!text.includes('"')) {
      const fields = splitPlain(text, width);
      width = fields.length;
      return handlers.record(fields, line);
    }
    if (quotesClosed(text)) return handlers.record(splitQuoted(text), line);
    open = text;
    openLine = line;
  };

  for await (const chunk of stream as AsyncIterable<string>) {
    let text = first && chunk.charCodeAt(0) === 0xfeff ? chunk.slice(1) : chunk;
    first = false;
    if (carry !== '') text = carry + text;
    let start = 0;
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      take(text.slice(start, end));
      start = end + 1;
    }
    carry = text.slice(start);
  }
  if (carry !== '') take(carry);
  // An unclosed quote at the end of the file: keep what was written rather than drop it.
  if (open !== '') handlers.record(splitQuoted(open), openLine);
}

/**
 * Fields of a record without quotes. indexOf and slice into an array sized like the last
 * record's: at millions of rows this is about twice as fast as String.prototype.split.
 */
function splitPlain(text: string, width: number): string[] {
  const fields: string[] = new Array<string>(width);
  let count = 0;
  let start = 0;
  for (let end = text.indexOf(','); end !== -1; end = text.indexOf(',', start)) {
    fields[count++] = text.slice(start, end);
    start = end + 1;
  }
  fields[count++] = text.slice(start);
  fields.length = count;
  return fields;
}

/** An even number of '"' means every quoted field has closed ('""' escapes count as two). */
function quotesClosed(text: string): boolean {
  let count = 0;
  for (let i = text.indexOf('"'); i !== -1; i = text.indexOf('"', i + 1)) count++;
  return count % 2 === 0;
}

/** Fields of one record with quoting: "a,b" is one field and "" inside quotes is one quote. */
export function splitQuoted(text: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c !== '"') field += c;
      else if (text[i + 1] === '"') {
        field += '"';
        i++;
      } else quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      fields.push(field);
      field = '';
    } else field += c;
  }
  fields.push(field);
  return fields;
}
