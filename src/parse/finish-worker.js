// Worker thread entry for the finishing thread (finishing.ts): a worker starts with no
// TypeScript loader, so it loads its code the way src/bin.js does.
import { importTypeScript } from '../boot.js';

await importTypeScript(new URL('./finish-thread.ts', import.meta.url));
