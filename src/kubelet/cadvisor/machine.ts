// Machine info as cAdvisor's /spec and /api/v1.3/machine describe it: the node status facts
// (reused from nodestatus/machine.ts) plus CPU frequency and the real filesystems.
import { readFile } from 'node:fs/promises';
import { readMachineInfo, type MachineInfo } from '../nodestatus/machine.ts';
import { mountCapacity } from './fs.ts';
import { parseMountinfo, type MountInfo } from './mountinfo.ts';

export interface MachineFilesystem {
  device: string;
  mountPoint: string;
  type: string;
  capacityBytes: number;
  inodes?: number;
}

export interface CadvisorMachineInfo extends MachineInfo {
  /** Max (else current) CPU frequency in kHz; 0 when unknown. */
  cpuFrequencyKhz: number;
  filesystems: MachineFilesystem[];
}

/** Filesystems cAdvisor lists: block-device backed ones, each device once (its first mount). */
const DISK_FS = new Set(['ext2', 'ext3', 'ext4', 'xfs', 'btrfs', 'zfs', 'vfat', 'f2fs']);

export function realFilesystems(mounts: MountInfo[]): MountInfo[] {
  const seen = new Set<string>();
  return mounts.filter((m) => {
    if (!DISK_FS.has(m.fsType) || seen.has(m.device)) return false;
    seen.add(m.device);
    return true;
  });
}

/** "cpu MHz : 2596.122" in /proc/cpuinfo → kHz (first core); 0 when absent. */
export function parseCpuinfoKhz(text: string): number {
  const m = /^cpu MHz\s*:\s*([\d.]+)/m.exec(text);
  return m ? Math.round(Number(m[1]) * 1000) : 0;
}

const tryRead = (p: string) => readFile(p, 'utf8').catch(() => '');

export async function readCpuFrequencyKhz(): Promise<number> {
  // cpufreq's maximum is what cAdvisor reports; VMs often lack it, /proc/cpuinfo still tells.
  const max = Number((await tryRead('/sys/devices/system/cpu/cpu0/cpufreq/cpuinfo_max_freq')).trim());
  if (max > 0) return max;
  return parseCpuinfoKhz(await tryRead('/proc/cpuinfo'));
}

export async function readCadvisorMachineInfo(mountinfoPath = '/proc/self/mountinfo'): Promise<CadvisorMachineInfo> {
  const [base, cpuFrequencyKhz, mountText] = await Promise.all([readMachineInfo(), readCpuFrequencyKhz(), tryRead(mountinfoPath)]);
  const filesystems: MachineFilesystem[] = [];
  for (const m of realFilesystems(parseMountinfo(mountText))) {
    const cap = await mountCapacity(m.mountPoint);
    if (!cap) continue;
    filesystems.push({ device: m.source, mountPoint: m.mountPoint, type: m.fsType, capacityBytes: cap.capacityBytes, inodes: cap.inodes });
  }
  return { ...base, cpuFrequencyKhz, filesystems };
}
