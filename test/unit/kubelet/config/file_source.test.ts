import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FakeClock } from '../../../../src/kubelet/clock.ts';
import { watchFileSource } from '../../../../src/kubelet/config/file_source.ts';
import type { PodUpdate } from '../../../../src/kubelet/config/types.ts';

const podYaml = (name: string, image = 'busybox:1.35') =>
  `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\nspec:\n  containers:\n  - name: c\n    image: ${image}\n`;

async function until(cond: () => boolean, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function harness(path: string, opts: { clock?: FakeClock; watch?: boolean } = {}) {
  const updates: PodUpdate[] = [];
  const errors: string[] = [];
  const ac = new AbortController();
  const done = watchFileSource({
    path,
    nodeName: 'n1',
    signal: ac.signal,
    clock: opts.clock,
    watch: opts.watch ?? false,
    debounceMs: 20,
    onUpdate: (u) => updates.push(u),
    onError: (s, m) => errors.push(`${s}: ${m}`),
  });
  const names = () => updates.at(-1)?.pods.map((p) => p.metadata.name) ?? [];
  return { updates, errors, names, stop: async () => { ac.abort(); await done; } };
}

test('file source: adds, changes and removes files; hidden files and subdirectories skipped', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-manifests-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'a.yaml'), podYaml('a'));
  await writeFile(join(dir, 'b.json'), JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'b' }, spec: { containers: [{ name: 'c', image: 'x:1' }] } }));
  await writeFile(join(dir, '.hidden.yaml'), podYaml('hidden'));
  await mkdir(join(dir, 'sub'));
  await writeFile(join(dir, 'sub', 'c.yaml'), podYaml('c'));
  const clock = new FakeClock();
  const h = harness(dir, { clock });
  t.after(h.stop);

  await until(() => h.updates.length === 1, 'the first set');
  assert.deepEqual(h.names(), ['a-n1', 'b-n1']);
  assert.equal(h.updates[0].source, 'file');
  assert.equal(h.updates[0].op, 'SET');
  const uidA = h.updates[0].pods[0].metadata.uid;
  assert.equal(h.errors.length, 0);

  // Nothing changed: a period passes without an update.
  await until(() => clock.waiting > 0, 'the loop to park');
  await clock.advance(20_000);
  await until(() => clock.waiting > 0, 'the loop to park');
  assert.equal(h.updates.length, 1);

  // Change a, add d, remove b.
  await writeFile(join(dir, 'a.yaml'), podYaml('a', 'busybox:1.36.1'));
  await writeFile(join(dir, 'd.yml'), podYaml('d'));
  await unlink(join(dir, 'b.json'));
  await clock.advance(20_000);
  await until(() => h.updates.length === 2, 'the changed set');
  assert.deepEqual(h.names(), ['a-n1', 'd-n1']);
  const a2 = h.updates[1].pods[0];
  assert.equal(a2.spec.containers[0].image, 'busybox:1.36.1');
  assert.notEqual(a2.metadata.uid, uidA);
});

test('file source: a broken file is rejected alone, named in the error; the others carry on', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-manifests-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, 'good.yaml'), podYaml('good'));
  await writeFile(join(dir, 'broken.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: [\n');
  await writeFile(join(dir, 'invalid.yaml'), podYaml('invalid').replace('    image: busybox:1.35\n', ''));
  await writeFile(join(dir, 'secret.yaml'), podYaml('secret') + '  volumes:\n  - name: s\n    secret:\n      secretName: token\n');
  const clock = new FakeClock();
  const h = harness(dir, { clock });
  t.after(h.stop);
  await until(() => h.updates.length === 1 && h.errors.length === 3, 'the set and three errors');
  assert.deepEqual(h.names(), ['good-n1']);
  const byFile = (f: string) => h.errors.find((e) => e.includes(join(dir, f)));
  assert.match(byFile('broken.yaml')!, /^file: .*broken\.yaml: couldn't parse as pod: invalid YAML/);
  assert.match(byFile('invalid.yaml')!, /invalid\.yaml: invalid pod: spec\.containers\[0\]\.image: Required value/);
  assert.match(byFile('secret.yaml')!, /secret\.yaml: static pods may not reference API objects: spec\.volumes\[0\]\.secret/);

  // The same broken files are not reported again each period; fixing one brings its pod.
  await until(() => clock.waiting > 0, 'the loop to park');
  await clock.advance(20_000);
  await until(() => clock.waiting > 0, 'the loop to park');
  assert.equal(h.errors.length, 3);
  await writeFile(join(dir, 'broken.yaml'), podYaml('fixed'));
  await clock.advance(20_000);
  await until(() => h.updates.length === 2, 'the fixed set');
  assert.deepEqual(h.names(), ['fixed-n1', 'good-n1']);
});

test('file source: multiple YAML documents take the first, as upstream; a single file path works', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-manifests-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'multi.yaml');
  await writeFile(file, `${podYaml('first')}---\n${podYaml('second')}`);
  const h = harness(file, { clock: new FakeClock() });
  t.after(h.stop);
  await until(() => h.updates.length === 1, 'the set');
  assert.deepEqual(h.names(), ['first-n1']);
});

test('file source: a missing path is an empty set and an error', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-manifests-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const h = harness(join(dir, 'nope'), { clock: new FakeClock() });
  t.after(h.stop);
  await until(() => h.updates.length === 1 && h.errors.length === 1, 'the empty set');
  assert.deepEqual(h.updates[0].pods, []);
  assert.match(h.errors[0], /nope: path does not exist, ignoring/);
});

test('file source: fs.watch events bring changes well before the period', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'berth-manifests-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const h = harness(dir, { watch: true }); // real clock, 20 s period
  t.after(h.stop);
  await until(() => h.updates.length === 1, 'the first (empty) set');
  await new Promise((r) => setTimeout(r, 50));
  await writeFile(join(dir, 'w.yaml'), podYaml('w'));
  await until(() => h.names().includes('w-n1'), 'the watched file', 3000);
  await unlink(join(dir, 'w.yaml'));
  await until(() => h.names().length === 0, 'the removal', 3000);
});
