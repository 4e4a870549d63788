// Disk use of each pod's volumes (<root>/pods/<uid>/volumes/<plugin>/<name>), measured every
// volumeStatsAggPeriod as upstream's volume stat calculator does: a du of a large emptyDir is
// too costly for every housekeeping pass.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { dirUsage, mountCapacity } from '../cadvisor/fs.ts';
import { podVolumesDir } from '../volume/paths.ts';
import type { VolumeUsage } from './summary.ts';

const names = (dir: string) => readdir(dir).catch(() => [] as string[]);

/** Every volume directory of a pod, sized (host paths are not under the pod's directory). */
export async function measurePodVolumes(rootDir: string, uid: string, now: () => Date, maxEntries = 100_000): Promise<VolumeUsage[]> {
  const base = podVolumesDir(rootDir, uid);
  const out: VolumeUsage[] = [];
  for (const plugin of await names(base)) {
    for (const name of await names(join(base, plugin))) {
      const dir = join(base, plugin, name);
      const [usage, capacity] = await Promise.all([dirUsage(dir, { maxEntries }), mountCapacity(dir)]);
      out.push({ name, usage, ...(capacity ? { capacity } : {}), ephemeral: plugin !== 'kubernetes.io~host-path', time: now() });
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}
