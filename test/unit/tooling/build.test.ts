// scripts/build.mjs on a small project of its own: a build that is missing, stale after an edit or
// a deletion, and one that fails, as bin/berth.js meets them.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { buildState, ensureBuilt, orphans, ROOT } from '../../../scripts/build.mjs';

test('orphans: dist files that no source accounts for', () => {
  const src = ['cli/main.ts', 'api/types.d.ts', 'api/a.proto', 'ui/page/app.js'];
  const dist = ['.build-stamp.json', '.tsbuildinfo', 'cli/main.js', 'cli/main.js.map', 'cli/old.js', 'cli/old.js.map', 'api/a.proto', 'api/b.proto', 'ui/page/app.js', 'ui/page/gone.js'];
  assert.deepEqual(orphans(dist, src), ['cli/old.js', 'cli/old.js.map', 'api/b.proto', 'ui/page/gone.js']);
});

const root = mkdtempSync(join(tmpdir(), 'berth-build-test-'));
after(() => rmSync(root, { recursive: true, force: true }));

function project(): void {
  mkdirSync(join(root, 'src', 'cli'), { recursive: true });
  mkdirSync(join(root, 'scripts'));
  for (const f of ['tsconfig.json', 'tsconfig.build.json', 'scripts/build.mjs', 'package.json']) copyFileSync(join(ROOT, f), join(root, f));
  symlinkSync(join(ROOT, 'node_modules'), join(root, 'node_modules'));
  writeFileSync(join(root, 'src', 'cli', 'greeting.ts'), `export const greeting = (who: string): string => \`hello \${who}\`;\n`);
  writeFileSync(join(root, 'src', 'cli', 'main.ts'), `import { readFileSync } from 'node:fs';\nimport { greeting } from './greeting.ts';\nconsole.log(greeting(readFileSync(new URL('./who.txt', import.meta.url), 'utf8').trim()));\n`);
  writeFileSync(join(root, 'src', 'cli', 'who.txt'), 'world\n');
}

const runDist = () => execFileSync(process.execPath, [join(root, 'dist', 'cli', 'main.js')], { encoding: 'utf8' }).trim();

test('a missing build is built, with its imports rewritten to .js and its assets beside it, and then fresh', () => {
  project();
  assert.equal(buildState(root), 'missing');
  const said: string[] = [];
  ensureBuilt({ root, log: (m) => said.push(m) });
  assert.match(said[0]!, /no build in dist\//);
  assert.equal(buildState(root), 'fresh');
  assert.match(readFileSync(join(root, 'dist', 'cli', 'main.js'), 'utf8'), /from "\.\/greeting\.js"/);
  assert.equal(runDist(), 'hello world');
  said.length = 0;
  ensureBuilt({ root, log: (m) => said.push(m) });
  assert.deepEqual(said, [], 'a fresh build is left alone');
});

test('an edited or deleted source makes the build stale; the rebuild drops what the deleted file made', () => {
  writeFileSync(join(root, 'src', 'cli', 'who.txt'), 'berth\n');
  assert.equal(buildState(root), 'stale');
  ensureBuilt({ root });
  assert.equal(runDist(), 'hello berth');

  writeFileSync(join(root, 'src', 'cli', 'main.ts'), `console.log('alone');\n`);
  rmSync(join(root, 'src', 'cli', 'greeting.ts'));
  assert.equal(buildState(root), 'stale');
  const said: string[] = [];
  ensureBuilt({ root, log: (m) => said.push(m) });
  assert.match(said[0]!, /src\/ changed since the last build/);
  assert.equal(runDist(), 'alone');
  assert.equal(existsSync(join(root, 'dist', 'cli', 'greeting.js')), false);
});

test('a build that does not compile throws with tsc\'s error and leaves dist/ not fresh', () => {
  writeFileSync(join(root, 'src', 'cli', 'main.ts'), `const n: number = 'not a number';\nconsole.log(n);\n`);
  assert.throws(() => ensureBuilt({ root }), /tsc -p tsconfig\.build\.json failed[\s\S]*main\.ts[\s\S]*TS2322/);
  assert.notEqual(buildState(root), 'fresh');
});
