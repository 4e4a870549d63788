#!/usr/bin/env node
// The test command. Files run one at a time: integration and e2e tests share machine-global
// resources (containerd's shim directory, /var/lib/cni) and the unit tests are fast anyway.
// `npm test -- unit` (or integration, e2e) runs one tier; paths run those files.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function find(dir) {
  let out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out = out.concat(find(p));
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

// System packages first (etcd, containerd, ...): installed with apt when missing and run as root.
const deps = spawnSync('bash', ['scripts/system-deps.sh'], { stdio: 'inherit' });
if (deps.status !== 0) process.exit(deps.status ?? 1);

const tiers = ['unit', 'integration', 'e2e'];
const args = process.argv.slice(2);
const files = args.length && args.every((a) => a.endsWith('.ts'))
  ? args
  : tiers.filter((t) => !args.length || args.includes(t)).flatMap((t) => find(join('test', t)));
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
