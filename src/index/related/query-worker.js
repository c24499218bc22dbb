// Worker thread entry for the related-link query helper (query-pool.ts): a worker
// starts with no TypeScript loader, so it loads its code the way src/bin.js does.
import { importTypeScript } from '../../boot.js';

await importTypeScript(new URL('./query-thread.ts', import.meta.url));
