#!/usr/bin/env node
// The published entry point. Broadsheet is written in TypeScript and runs through
// tsx's loader so that a clone works with `npm ci` alone: no compile step, no
// generated folder to keep in sync with src/.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./cli.ts');
process.exitCode = await main(process.argv.slice(2));
