// What the dev server says about a build: in the terminal and in the overlay.
import { ContentErrors, formatDiagnostic, type Diagnostic } from '../errors.ts';
import type { ChangeSet } from './watch.ts';

/** Longest message an error line keeps: a template engine's message can hold the whole compiled template. */
const MAX_MESSAGE = 300;

/**
 * A failed build as error lines (`path:line: message (hint)`) and warning lines.
 * An error with no file and line (a template that does not compile, a file deleted
 * mid-read) is blamed on the templates just changed, when there are any.
 */
export function describeFailure(error: unknown, changes: ChangeSet, shown: (file: string) => string): { errors: string[]; warnings: string[] } {
  if (error instanceof ContentErrors) {
    const lines = (severity: Diagnostic['severity']) => error.diagnostics.filter((d) => d.severity === severity).map(formatDiagnostic);
    return { errors: lines('error'), warnings: lines('warning') };
  }
  const full = (error as Error)?.message ?? String(error);
  // Eta puts the compiled function after a "====" rule: the part before it is the message.
  let message = full.split(/\n=+\n/)[0]!.replace(/\s*\n\s*/g, ': ').trim();
  if (message.length > MAX_MESSAGE) message = `${message.slice(0, MAX_MESSAGE)}...`;
  const templates = changes.changes.filter((change) => change.kind === 'template').map((change) => shown(change.file));
  if (templates.length > 0) return { errors: [`${templates.join(', ')}: ${message} (fix the template just changed)`], warnings: [] };
  return { errors: [`error: ${message}`], warnings: [] };
}

/**
 * "content: content/2026/11/a.md changed", "3 changes (2 content, 1 template)", or,
 * when a watched folder itself left or came back, "folder content is gone".
 */
export function describeChanges(set: ChangeSet, shown: (file: string) => string, roots: readonly string[] = []): string {
  const folder = set.changes.find((change) => (change.event === 'unlinkDir' || change.event === 'addDir') && roots.includes(change.file));
  if (folder) return `folder ${shown(folder.file)} ${folder.event === 'addDir' ? 'is back' : 'is gone'}`;
  const [only] = set.changes;
  if (set.changes.length === 1 && only) {
    const verb = { add: 'added', change: 'changed', unlink: 'deleted', addDir: 'added', unlinkDir: 'deleted' }[only.event];
    return `${only.kind}: ${shown(only.file)} ${verb}`;
  }
  const counts = new Map<string, number>();
  for (const change of set.changes) counts.set(change.kind, (counts.get(change.kind) ?? 0) + 1);
  const parts = [...counts].map(([kind, count]) => `${count} ${kind}`).join(', ');
  return `${set.changes.length} changes (${parts})`;
}

/** HH:MM:SS, local time: the prefix of each log line. */
export function clockTime(): string {
  return new Date().toTimeString().slice(0, 8);
}
