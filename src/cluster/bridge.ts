// The CNI bridge outlives its cluster (the bridge plugin never deletes it). One left by an earlier
// cluster with another subnet would fail every sandbox ("already has an IP address different
// from ..."), so it goes before containerd starts.
import { spawnSync } from 'node:child_process';
import { bridgeName } from './podcidr.ts';

/** The bridge's gateway address for a pod CIDR, as host-local picks it: the first host. */
function gatewayOf(cidr: string): string {
  const [ip, bits] = cidr.split('/');
  const o = ip.split('.').map(Number);
  o[3] += 1;
  return `${o.join('.')}/${bits}`;
}

export function removeStaleBridge(podCidr: string): void {
  const show = spawnSync('ip', ['-4', '-o', 'addr', 'show', 'dev', bridgeName], { encoding: 'utf8' });
  if (show.status !== 0 || !show.stdout.trim()) return;
  if (show.stdout.includes(` ${gatewayOf(podCidr)} `)) return;
  spawnSync('ip', ['link', 'delete', bridgeName], { stdio: 'ignore' });
}
