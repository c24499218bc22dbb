// Worker thread entry for the site writer (write.ts): a worker starts with no
// TypeScript loader, so it loads its code the way src/bin.js does.
import { importTypeScript } from './boot.js';

await importTypeScript(new URL('./write-thread.ts', import.meta.url));
