#!/usr/bin/env node
// `npm run bench -- NAME`: runs bench/NAME.ts, which prints one JSON line of results.
import { register } from 'tsx/esm/api';
import { existsSync, readdirSync } from 'node:fs';
register();
const name = process.argv[2];
const file = new URL(`../bench/${name}.ts`, import.meta.url);
if (!name || !existsSync(file)) {
  const known = readdirSync(new URL('../bench/', import.meta.url)).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3));
  console.error(`usage: npm run bench -- NAME (one of: ${known.join(', ')})`);
  process.exit(2);
}
const { run } = await import(file.href);
await run(process.argv.slice(3));
