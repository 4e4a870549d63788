// The Debian packages `berth up` needs for a managed containerd; installed with apt when
// missing and running as root on a Debian-family system, else a clear error naming them.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const needs: Array<{ pkg: string; path: string }> = [
  { pkg: 'containerd', path: '/usr/bin/containerd' },
  { pkg: 'runc', path: '/usr/sbin/runc' },
  { pkg: 'containernetworking-plugins', path: '/usr/lib/cni/bridge' },
  { pkg: 'busybox-static', path: '/bin/busybox' },
];

export function missingPackages(exists: (p: string) => boolean = existsSync): string[] {
  return needs.filter((n) => !exists(n.path) && !(n.pkg === 'runc' && exists('/usr/bin/runc'))).map((n) => n.pkg);
}

export async function ensureSystemPackages(log: (m: string) => void): Promise<void> {
  const missing = missingPackages();
  if (!missing.length) return;
  const root = process.getuid?.() === 0;
  const debian = existsSync('/usr/bin/apt-get') && existsSync('/etc/debian_version');
  if (!root || !debian) {
    throw new Error(`berth up needs the packages ${missing.join(', ')}: install them (apt-get install ${missing.join(' ')}) or pass --container-runtime-endpoint`);
  }
  log(`berth up: installing ${missing.join(', ')} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [['update', '-qq'], ['install', '-y', '-qq', '--no-install-recommends', ...missing]]) {
    const r = spawnSync('apt-get', args, { stdio: 'inherit', env });
    if (r.status !== 0) throw new Error(`apt-get ${args[0]} failed (exit ${r.status}); install ${missing.join(' ')} by hand`);
  }
}
