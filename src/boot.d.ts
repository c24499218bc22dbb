// Types for boot.js, which stays plain JavaScript: it is what loads the TypeScript.
export function importTypeScript(entryUrl: URL): Promise<Record<string, unknown>>;
export const DEPENDENCY_FIXES: readonly { file: string; requires?: string; find: string; replace: string; times: number }[];
