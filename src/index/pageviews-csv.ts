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
const QUOTE = 0x22;
const COMMA = 0x2c;
/**
 * A quoted field may span lines, but no real export has a cell of 100 lines: past
 * that, an unbalanced quote is a broken row, not a cell, and reading resumes at the
 * next line instead of swallowing the rest of the file into one record.
 */
const MAX_RECORD_LINES = 100;

/** Reads `file` as UTF-8 CSV (RFC 4180 quoting, LF or CRLF, optional BOM). */
export async function streamCsv(file: string, handlers: CsvHandlers): Promise<void> {
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: CHUNK_BYTES });
  let line = 0;
  let carry = '';
  let first = true;
  // A quoted field may hold line breaks: such a record is gathered until its quotes close.
  let open = '';
  let openLine = 0;
  let openLines = 0;
  let width = 1;

  const take = (raw: string) => {
    line++;
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (open !== '') {
      open += '\n' + text;
      openLines++;
      // Only the new line is scanned: the record so far ended inside a quoted field.
      if (!endsInQuotes(text, true) || openLines >= MAX_RECORD_LINES) {
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
    if (!endsInQuotes(text, false)) return handlers.record(splitQuoted(text), line);
    open = text;
    openLine = line;
    openLines = 1;
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

/**
 * Whether a record is still inside a quoted field after `text`, given whether it was
 * before. As RFC 4180 has it, a quote opens a quoted field only at the start of a
 * field: in `5" screen` the quote is a literal character.
 */
function endsInQuotes(text: string, inQuotes: boolean): boolean {
  let fieldStart = !inQuotes;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inQuotes) {
      if (c !== QUOTE) continue;
      if (text.charCodeAt(i + 1) === QUOTE) i++;
      else inQuotes = false;
    } else if (c === QUOTE && fieldStart) {
      inQuotes = true;
      fieldStart = false;
    } else {
      fieldStart = c === COMMA;
    }
  }
  return inQuotes;
}

/** Fields of one record with quoting: "a,b" is one field and "" inside quotes is one quote. */
export function splitQuoted(text: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  let fieldStart = true;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c !== '"') field += c;
      else if (text[i + 1] === '"') {
        field += '"';
        i++;
      } else quoted = false;
    } else if (c === '"' && fieldStart) {
      quoted = true;
      fieldStart = false;
    } else if (c === ',') {
      fields.push(field);
      field = '';
      fieldStart = true;
    } else {
      field += c;
      fieldStart = false;
    }
  }
  fields.push(field);
  return fields;
}
