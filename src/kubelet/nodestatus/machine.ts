// What the machine is: cores, memory, hugepages, identity (machine-id, product UUID, boot id),
// kernel and OS image; and what it has left now: available memory, filesystem space and inodes,
// process IDs. The parsers are pure; readMachineInfo/observe* are the thin effectful shells.
import { readdir, readFile } from 'node:fs/promises';
import { mountCapacity } from '../cadvisor/fs.ts';
import * as os from 'node:os';

export interface MachineInfo {
  numCores: number;
  memoryCapacityBytes: number;
  /** Resource name ('hugepages-2Mi') → total bytes of preallocated pages. */
  hugepages: Record<string, number>;
  machineID: string;
  systemUUID: string;
  bootID: string;
  kernelVersion: string;
  osImage: string;
  operatingSystem: string;
  architecture: string;
}

export interface FsStats {
  capacityBytes: number;
  availableBytes: number;
  inodes: number;
  inodesFree: number;
}

/** The eviction signals' raw observations. */
export interface Observations {
  memoryAvailableBytes?: number;
  nodefs?: FsStats;
  imagefs?: FsStats;
  pidMax?: number;
  pidsRunning?: number;
}

/** /proc/meminfo "Key:   123 kB" lines → bytes. */
export function parseMeminfo(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const m = /^(\w+(?:\(\w+\))?):\s+(\d+)(?:\s+kB)?/.exec(line);
    if (m) out[m[1]] = Number(m[2]) * (line.trim().endsWith('kB') ? 1024 : 1);
  }
  return out;
}

/** /etc/os-release → PRETTY_NAME (upstream's osImage), or "Linux" when absent. */
export function parseOsRelease(text: string): string {
  const m = /^PRETTY_NAME=(.*)$/m.exec(text);
  if (!m) return 'Linux';
  return m[1].trim().replace(/^["']|["']$/g, '');
}

/** "hugepages-2048kB" (a /sys/kernel/mm/hugepages entry) → "hugepages-2Mi". */
export function hugepageResourceName(dir: string): string | undefined {
  const m = /^hugepages-(\d+)kB$/.exec(dir);
  if (!m) return undefined;
  const kb = Number(m[1]);
  if (kb % (1024 * 1024) === 0) return `hugepages-${kb / (1024 * 1024)}Gi`;
  if (kb % 1024 === 0) return `hugepages-${kb / 1024}Mi`;
  return `hugepages-${kb}Ki`;
}

export function goArch(arch: string = process.arch): string {
  return ({ x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x' } as Record<string, string>)[arch] ?? arch;
}

const readTrim = async (path: string): Promise<string> => {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    return '';
  }
};

async function readHugepages(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  const base = '/sys/kernel/mm/hugepages';
  let dirs: string[] = [];
  try {
    dirs = await readdir(base);
  } catch {
    return out;
  }
  for (const dir of dirs) {
    const name = hugepageResourceName(dir);
    if (!name) continue;
    const pages = Number(await readTrim(`${base}/${dir}/nr_hugepages`)) || 0;
    out[name] = pages * Number(/(\d+)kB/.exec(dir)![1]) * 1024;
  }
  return out;
}

/** Reads the machine once at start (these facts do not change while the kubelet runs). */
export async function readMachineInfo(): Promise<MachineInfo> {
  const meminfo = parseMeminfo(await readTrim('/proc/meminfo'));
  return {
    // Upstream reports the machine's cores (cAdvisor), not the cgroup's CPU quota.
    numCores: os.cpus().length || os.availableParallelism(),
    memoryCapacityBytes: meminfo.MemTotal ?? os.totalmem(),
    hugepages: await readHugepages(),
    machineID: await readTrim('/etc/machine-id'),
    systemUUID: (await readTrim('/sys/class/dmi/id/product_uuid')).toLowerCase(),
    bootID: await readTrim('/proc/sys/kernel/random/boot_id'),
    kernelVersion: os.release(),
    osImage: parseOsRelease(await readTrim('/etc/os-release')),
    operatingSystem: os.platform(),
    architecture: goArch(),
  };
}

/** Every process on the machine: the numeric entries of /proc (undefined when unreadable). */
export async function countProcesses(procRoot = '/proc'): Promise<number | undefined> {
  try {
    return (await readdir(procRoot)).filter((e) => /^\d+$/.test(e)).length;
  } catch {
    return undefined;
  }
}

/** Observes the eviction signals: memory (MemAvailable), the root dir's and the image filesystems, PIDs. */
export async function observe(rootDir: string, imagefsPath: string | undefined): Promise<Observations> {
  const meminfo = parseMeminfo(await readTrim('/proc/meminfo'));
  const nodefs = await mountCapacity(rootDir);
  return {
    memoryAvailableBytes: meminfo.MemAvailable ?? os.freemem(),
    nodefs,
    imagefs: imagefsPath ? ((await mountCapacity(imagefsPath)) ?? nodefs) : nodefs,
    pidMax: Number(await readTrim('/proc/sys/kernel/pid_max')) || undefined,
    pidsRunning: await countProcesses(),
  };
}

/** InternalIP: --node-ip, else the first non-loopback IPv4 address; Hostname: the node's hostname. */
export function nodeAddresses(hostname: string, nodeIP: string | undefined, interfaces = os.networkInterfaces()): { type: 'InternalIP' | 'Hostname'; address: string }[] {
  let ip = nodeIP;
  if (!ip) {
    for (const addrs of Object.values(interfaces)) {
      const found = addrs?.find((a) => a.family === 'IPv4' && !a.internal);
      if (found) {
        ip = found.address;
        break;
      }
    }
  }
  return [...(ip ? [{ type: 'InternalIP' as const, address: ip }] : []), { type: 'Hostname' as const, address: hostname }];
}
