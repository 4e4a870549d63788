// The kubelet's resource monitoring, assembled: the stats provider (built-in cAdvisor) and the
// faces the kubelet API serves from it. Without a cgroup filesystem the kubelet runs on,
// stats-less, and says so once.
import type { Pod } from '../../api/core/index.ts';
import { readCadvisorMachineInfo } from '../cadvisor/machine.ts';
import type { Clock } from '../clock.ts';
import { podLogsDirectory } from '../kuberuntime/sandbox.ts';
import { podCgroupParent } from '../cm/index.ts';
import type { Logger } from '../log.ts';
import type { KubeletOptions } from '../options/options.ts';
import type { CriClient } from '../runtime/cri/client.ts';
import { machineInfoV1 } from '../cadvisor/api.ts';
import { renderCadvisorMetrics } from './cadvisormetrics.ts';
import { StatsProvider } from './provider.ts';
import { renderResourceMetrics } from './resourcemetrics.ts';

export type { StatsSource, Summary } from './types.ts';
export { StatsProvider } from './provider.ts';

export interface KubeletStats {
  provider: StatsProvider;
  loop: Promise<void>;
  endpoints: {
    summary: () => unknown;
    spec: () => unknown;
    resourceMetrics: () => string;
    cadvisorMetrics: () => string;
  };
}

export interface StartStatsDeps {
  options: KubeletOptions;
  nodeName: string;
  cri: CriClient;
  clock: Clock;
  log: Logger;
  pods: () => Pod[];
  signal: AbortSignal;
}

export async function startStats(d: StartStatsDeps): Promise<KubeletStats | undefined> {
  const o = d.options;
  let provider: StatsProvider;
  try {
    provider = await StatsProvider.create({
      nodeName: d.nodeName,
      cri: d.cri,
      clock: d.clock,
      log: d.log,
      machine: await readCadvisorMachineInfo(),
      pods: d.pods,
      podCgroup: (pod) => podCgroupParent(pod as Parameters<typeof podCgroupParent>[0]),
      logDir: (namespace, name, uid, container) => `${podLogsDirectory({ metadata: { namespace, name, uid } }, o.podLogsDir)}/${container}`,
      rootDir: o.rootDir,
      housekeepingIntervalMs: o.housekeepingIntervalMs,
      storageDurationMs: o.statsStorageDurationMs,
      volumeStatsAggPeriodMs: o.volumeStatsAggPeriodMs,
    });
  } catch (e) {
    d.log.error('Container stats are unavailable', e);
    return undefined;
  }
  return {
    provider,
    loop: provider.run(d.signal),
    endpoints: {
      summary: () => provider.summary(),
      spec: () => machineInfoV1(provider.machine()),
      resourceMetrics: () => renderResourceMetrics(provider),
      cadvisorMetrics: () => renderCadvisorMetrics(provider, provider.machine()),
    },
  };
}
