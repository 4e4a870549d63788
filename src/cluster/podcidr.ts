// Chooses the pod CIDR for `berth up`: the first candidate that overlaps no route on this machine.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** The CNI bridge `berth up` makes; the bridge plugin never deletes it. */
export const bridgeName = 'berth0';

const candidates = ['10.244.0.0/16', '10.245.0.0/16', '10.246.0.0/16', '172.30.0.0/16', '192.168.244.0/22'];

function toInt(ip: string): number {
  return ip.split('.').reduce((a, o) => (a << 8) + Number(o), 0) >>> 0;
}

function range(cidr: string): [number, number] {
  const [ip, bits] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  const start = toInt(ip) & ~(size - 1) >>> 0;
  return [start >>> 0, (start >>> 0) + size - 1];
}

export function overlaps(a: string, b: string): boolean {
  const [a0, a1] = range(a);
  const [b0, b1] = range(b);
  return a0 <= b1 && b0 <= a1;
}

/**
 * Routes from /proc/net/route as CIDRs (little-endian hex destination and mask), default route
 * left out, and so are the routes of `ignoreIface` (berth's own bridge from an earlier run).
 */
export function parseRoutes(text: string, ignoreIface = ''): string[] {
  const out: string[] = [];
  for (const line of text.trim().split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 8 || f[0] === ignoreIface) continue;
    const le = (hex: string) => Buffer.from(hex, 'hex').reverse().join('.');
    const mask = le(f[7]);
    const bits = mask.split('.').reduce((n, o) => n + (Number(o).toString(2).match(/1/g)?.length ?? 0), 0);
    if (bits === 0) continue;
    out.push(`${le(f[1])}/${bits}`);
  }
  return out;
}

export async function choosePodCidr(routesFile = '/proc/net/route', exclude: string[] = []): Promise<string> {
  const routes = parseRoutes(await readFile(routesFile, 'utf8').catch(() => 'Iface\n'), bridgeName);
  const taken = [...routes, ...exclude];
  const free = candidates.find((c) => !taken.some((r) => overlaps(c, r)));
  if (!free) throw new Error(`no free pod CIDR among ${candidates.join(', ')}: pass --pod-cidr`);
  return free;
}

/** The data dir's pod CIDR: the one chosen on its first start, kept so a restart picks up where it left off. */
export async function podCidrFor(dataDir: string, wanted?: string): Promise<string> {
  const file = join(dataDir, 'pod-cidr');
  const saved = (await readFile(file, 'utf8').catch(() => '')).trim();
  const cidr = wanted ?? (saved || (await choosePodCidr()));
  if (cidr !== saved) await writeFile(file, `${cidr}\n`);
  return cidr;
}
