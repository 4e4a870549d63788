// What a kubelet's process loads: the `berth` entry and the kubelet itself, never the API server
// nor client-node's API clients (they once made half of a kubelet's heap; see docs/DESIGN.md).
// And what the kubelet's source may import: what it shares with the API server lives in src/api
// (or src/pki), never in src/apiserver.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { relativeImports, sourceFiles } from '../../support/imports.ts';

const root = join(import.meta.dirname, '..', '..', '..');

/** The module URLs a fresh process loads to import each of `entries` (paths under src/). */
async function loadedModules(entries: string[]): Promise<string[]> {
  const script = `
    import { register } from 'tsx/esm/api';
    const seen = [];
    register({ onImport: (url) => seen.push(url) });
    for (const e of ${JSON.stringify(entries)}) await import(new URL(e, ${JSON.stringify(`file://${root}/`)}).href);
    console.log(JSON.stringify(seen));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd: root });
  return JSON.parse(stdout) as string[];
}

test('the berth entry loads no component until a command runs', async () => {
  const urls = await loadedModules(['src/cli/main.ts']);
  assert.ok(urls.some((u) => u.includes('/src/cli/kubelet.ts')), 'the kubelet command is defined');
  const components = urls.filter((u) => /\/src\/(apiserver|kubelet|cluster|controllers)\//.test(u) && !u.includes('/src/kubelet/options/'));
  assert.deepEqual(components, []);
});

test('the kubelet loads neither the API server nor client-node API clients', async () => {
  const urls = await loadedModules(['src/cli/main.ts', 'src/kubelet/kubelet.ts']);
  assert.ok(urls.some((u) => u.includes('/src/kubelet/prober/')), 'the kubelet itself is loaded');
  assert.ok(urls.some((u) => u.includes('@kubernetes/client-node/dist/gen/models/V1Pod.js')), 'the type model is loaded');
  const unwanted = urls.filter((u) =>
    /\/src\/apiserver\/(apiserver|http|storage|openapi)\//.test(u) || u.endsWith('/src/apiserver/apiserver.ts') ||
    /@kubernetes\/client-node\/dist\/(index\.js|gen\/apis\/|gen\/types\/)/.test(u));
  assert.deepEqual(unwanted, []);
});

test('no module of the kubelet imports from the API server', () => {
  const kubeletDir = join(root, 'src', 'kubelet');
  const apiserverDir = join(root, 'src', 'apiserver');
  const files = sourceFiles(kubeletDir);
  assert.ok(files.length > 100, 'the kubelet source is found');
  const offending = files.flatMap((file) =>
    relativeImports(readFileSync(file, 'utf8'))
      .filter(({ specifier }) => !relative(apiserverDir, resolve(dirname(file), specifier)).startsWith('..'))
      .map(({ specifier }) => `${relative(root, file)} imports ${specifier}`));
  assert.deepEqual(offending, []);
});


test('the container manager\'s decisions are pure: resources.ts and files.ts touch no file and import only src/api and each other', () => {
  const cmDir = join(root, 'src', 'kubelet', 'cm');
  const apiDir = join(root, 'src', 'api');
  for (const name of ['resources.ts', 'files.ts']) {
    const file = join(cmDir, name);
    const text = readFileSync(file, 'utf8');
    assert.doesNotMatch(text, /from ['"]node:/, `${name} imports no node: module`);
    const outside = relativeImports(text).map(({ specifier }) => resolve(dirname(file), specifier))
      .filter((p) => relative(apiDir, p).startsWith('..') && !['resources.ts', 'files.ts'].map((n) => join(cmDir, n)).includes(p));
    assert.deepEqual(outside, [], `${name} imports only src/api and the other pure file`);
  }
});

test('kubelet admission decides from its inputs alone: lifecycle/ loads only src/api and itself (types aside), and the kubelet nothing of the controllers', () => {
  const lifecycleDir = join(root, 'src', 'kubelet', 'lifecycle');
  const apiDir = join(root, 'src', 'api');
  const files = sourceFiles(lifecycleDir);
  assert.ok(files.some((f) => f.endsWith('predicate.ts')), 'the admission source is found');
  const inside = (dir: string, target: string) => !relative(dir, target).startsWith('..');
  const offending = files.flatMap((file) =>
    relativeImports(readFileSync(file, 'utf8'))
      .filter(({ specifier, typeOnly }) => {
        const target = resolve(dirname(file), specifier);
        return !typeOnly && !inside(lifecycleDir, target) && !inside(apiDir, target);
      })
      .map(({ specifier }) => `${relative(root, file)} imports ${specifier}`));
  assert.deepEqual(offending, []);
  const controllersDir = join(root, 'src', 'controllers');
  const fromControllers = sourceFiles(join(root, 'src', 'kubelet')).flatMap((file) =>
    relativeImports(readFileSync(file, 'utf8'))
      .filter(({ specifier }) => inside(controllersDir, resolve(dirname(file), specifier)))
      .map(({ specifier }) => `${relative(root, file)} imports ${specifier}`));
  assert.deepEqual(fromControllers, []);
});
