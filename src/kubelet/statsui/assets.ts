// The page's static files (this folder's page/ and uPlot's dist files), read once at start-up and
// served from memory with a content hash as ETag.
import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Asset {
  type: string;
  body: Buffer;
  etag: string;
}

const PAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), 'page');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/** URL path → file: the page's own files under /ui/ (index.html is served for every page route). */
async function files(): Promise<Record<string, string>> {
  const uplot = join(dirname(createRequire(import.meta.url).resolve('uplot/package.json')), 'dist');
  const out: Record<string, string> = {
    '/ui/uPlot.iife.min.js': join(uplot, 'uPlot.iife.min.js'),
    '/ui/uPlot.min.css': join(uplot, 'uPlot.min.css'),
  };
  for (const name of await readdir(PAGE_DIR)) {
    if (name.endsWith('.d.ts') || !(extname(name) in TYPES)) continue;
    out[`/ui/${name}`] = join(PAGE_DIR, name);
  }
  return out;
}

export async function loadAssets(): Promise<Map<string, Asset>> {
  const out = new Map<string, Asset>();
  await Promise.all(
    Object.entries(await files()).map(async ([path, file]) => {
      const body = await readFile(file);
      out.set(path, { type: TYPES[extname(file)] ?? 'application/octet-stream', body, etag: `"${createHash('sha1').update(body).digest('hex').slice(0, 16)}"` });
    }),
  );
  return out;
}
