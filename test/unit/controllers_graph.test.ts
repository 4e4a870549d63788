// What the controllers may import of the API server: its public face for in-process components,
// src/apiserver/client.ts (typed clients they receive at construction), and that only for
// types. Everything else they share with it lives in src/api.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { relativeImports, sourceFiles } from '../support/imports.ts';

const root = join(import.meta.dirname, '..', '..');
const apiserverDir = join(root, 'src', 'apiserver');
const publicFace = join(apiserverDir, 'client.ts');

test('the controllers reach the API server only through its public face, and only for types', () => {
  const controllersDir = join(root, 'src', 'controllers');
  const files = sourceFiles(controllersDir);
  assert.ok(files.length > 20, 'the controllers source is found');
  const offending = files.flatMap((file) =>
    relativeImports(readFileSync(file, 'utf8')).flatMap(({ specifier, typeOnly }) => {
      const target = resolve(dirname(file), specifier);
      if (relative(apiserverDir, target).startsWith('..')) return [];
      if (target === publicFace && typeOnly) return [];
      return [`${relative(root, file)} imports ${specifier}${target === publicFace ? ' (not as types only)' : ''}`];
    }));
  assert.deepEqual(offending, []);
});

test('the import scan sees every form of import, and which are types only', () => {
  const text = [
    "import { a } from '../x.ts';",
    "import type { B } from '../y.ts';",
    'import {',
    '  c,',
    '  type D,',
    "} from '../multi.ts';",
    "import type {\n  E,\n} from '../multitype.ts';",
    "export { f } from './z.ts';",
    "export type { G } from './g.ts';",
    "export * from './w.ts';",
    "import './side.ts';",
    "const m = await import('../../dyn.ts');",
    "// import { no } from '../commented.ts';",
    "import { readFile } from 'node:fs';",
  ].join('\n');
  assert.deepEqual(relativeImports(text), [
    { specifier: '../x.ts', typeOnly: false },
    { specifier: '../y.ts', typeOnly: true },
    { specifier: '../multi.ts', typeOnly: false },
    { specifier: '../multitype.ts', typeOnly: true },
    { specifier: './z.ts', typeOnly: false },
    { specifier: './g.ts', typeOnly: true },
    { specifier: './w.ts', typeOnly: false },
    { specifier: './side.ts', typeOnly: false },
    { specifier: '../../dyn.ts', typeOnly: false },
  ]);
});

test('the public face holds types only: a controller that imports it loads nothing of the API server', () => {
  const text = readFileSync(publicFace, 'utf8');
  const runtime = relativeImports(text).filter((s) => !s.typeOnly);
  assert.deepEqual(runtime, []);
  assert.doesNotMatch(text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, ''), /^export\s+(function|const|let|class)\b/m);
});
