// Where the built-in templates live; a module of its own so that knowing the path does
// not load the template engine.
import { fileURLToPath } from 'node:url';

/** The templates Broadsheet ships; `--templates DIR` replaces them. */
export const BUILTIN_TEMPLATES = fileURLToPath(new URL('../../templates/', import.meta.url));
