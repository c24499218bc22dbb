// Worker thread entry for reading a large page-view export beside the related-links
// step (pageviews-thread.ts): a worker starts with no TypeScript loader, so it loads
// its code the way src/bin.js does.
import { importTypeScript } from '../boot.js';

await importTypeScript(new URL('./pageviews-thread.ts', import.meta.url));
