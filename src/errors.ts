// Problems in content are values, collected across the whole run, so that an author
// sees every mistake in one build instead of fixing them one at a time.

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  severity: Severity;
  /** Path as the user should see it (relative to the working directory where possible). */
  file: string;
  /** 1-based line in the file, when known. */
  line: number | undefined;
  /** Stable machine-readable code, e.g. 'frontmatter/invalid-yaml'. */
  code: string;
  /** What is wrong, one sentence, no trailing period. */
  message: string;
  /** How to fix it. */
  hint: string;
}

export class Diagnostics {
  readonly items: Diagnostic[] = [];

  error(file: string, line: number | undefined, code: string, message: string, hint: string): void {
    this.items.push({ severity: 'error', file, line, code, message, hint });
  }

  warning(file: string, line: number | undefined, code: string, message: string, hint: string): void {
    this.items.push({ severity: 'warning', file, line, code, message, hint });
  }

  add(items: Iterable<Diagnostic>): void {
    for (const item of items) this.items.push(item);
  }

  get errors(): Diagnostic[] {
    return this.items.filter((d) => d.severity === 'error');
  }

  get warnings(): Diagnostic[] {
    return this.items.filter((d) => d.severity === 'warning');
  }

  get hasErrors(): boolean {
    return this.items.some((d) => d.severity === 'error');
  }

  /** File order, then line: the order an author walks through them in an editor. */
  sorted(): Diagnostic[] {
    return [...this.items].sort(
      (a, b) =>
        compareText(a.file, b.file) || (a.line ?? 0) - (b.line ?? 0) || compareText(a.code, b.code),
    );
  }
}

/** `path:line: what is wrong (how to fix)`: the format editors and CI annotate. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.line === undefined ? d.file : `${d.file}:${d.line}`;
  const label = d.severity === 'warning' ? 'warning: ' : '';
  return `${where}: ${label}${d.message} (${d.hint})`;
}

/** Thrown for problems that stop the build before content is read: bad config, bad flags. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Thrown when content errors were collected; carries all of them. */
export class ContentErrors extends Error {
  override readonly name = 'ContentErrors';
  constructor(readonly diagnostics: Diagnostic[]) {
    super(`${diagnostics.filter((d) => d.severity === 'error').length} content error(s)`);
  }
}

/** Code-point order, independent of the machine's locale: output must not vary by host. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
