// `berth up`: a single-node cluster on this machine, until SIGINT/SIGTERM.
import { Command, Option } from 'commander';
import { durationFlag, portFlag } from './flags.ts';
import { stopOnSignal } from './signals.ts';

export function upCommand(): Command {
  return new Command('up')
    .description('Run a single-node cluster: API server, controllers, managed containerd and kubelet')
    .option('--data-dir <dir>', 'everything of the cluster lives here', '.berth')
    .option('--secure-port <port>', 'API server HTTPS port', portFlag, 6443)
    .option('--kubelet-port <port>', 'kubelet HTTPS port', portFlag, 10250)
    .option('--healthz-port <port>', 'kubelet healthz port (127.0.0.1)', portFlag, 10248)
    .option('--cadvisor-port <port>', 'stats UI port (127.0.0.1; 0 turns it off)', portFlag, 4194)
    .option('--container-runtime-endpoint <endpoint>', 'use this CRI runtime instead of a managed containerd')
    .option('--hostname-override <name>', 'node name (default: the hostname)')
    .option('--pod-cidr <cidr>', 'pod subnet (default: a free one, kept in the data dir)')
    .option('--demo', 'also run a demo workload: a static web pod and a pod that logs')
    .addOption(new Option('--node-monitor-period <duration>', 'node lifecycle controller period').argParser(durationFlag).default(5000, '5s'))
    .addOption(new Option('--node-monitor-grace-period <duration>', 'silence before a node is marked Unknown').argParser(durationFlag).default(50000, '50s'))
    .addOption(new Option('--metric-resolution <duration>', 'how often the Metrics API scrapes the kubelet').argParser(durationFlag).default(15000, '15s'))
    .action(async (o) => {
      // Loaded here, not at the top: every command's process loads this file (see main.ts).
      const [{ startCluster }, { installDemo }] = await Promise.all([import('../cluster/up.ts'), import('../cluster/demo.ts')]);
      const cluster = await startCluster({
        dataDir: o.dataDir,
        securePort: o.securePort,
        kubeletPort: o.kubeletPort,
        healthzPort: o.healthzPort,
        cadvisorPort: o.cadvisorPort,
        containerRuntimeEndpoint: o.containerRuntimeEndpoint,
        nodeName: o.hostnameOverride,
        podCidr: o.podCidr,
        nodeMonitorPeriodMs: o.nodeMonitorPeriod,
        nodeMonitorGracePeriodMs: o.nodeMonitorGracePeriod,
        metricResolutionMs: o.metricResolution,
      });
      if (o.demo) await installDemo(cluster);
      console.log(
        [
          `Berth is up: node ${cluster.nodeName}, API server ${cluster.apiserver.url}, pod CIDR ${cluster.podCidr}.`,
          '',
          `  export KUBECONFIG=${cluster.kubeconfig}`,
          '  kubectl get nodes',
          '  kubectl get pods -A -o wide',
          ...(o.demo
            ? ['  kubectl logs -f hello', `  curl http://$(kubectl get pod demo-web-${cluster.nodeName} -o jsonpath='{.status.podIP}'):8080/`]
            : []),
          '',
          ...(cluster.kubelet.statsUIPort ? [`Stats UI: http://127.0.0.1:${cluster.kubelet.statsUIPort}/  (kubectl top nodes and kubectl top pods -A work too)`] : []),
          `Static pod manifests: ${cluster.manifestsDir}`,
          'Stop with Ctrl-C.',
        ].join('\n'),
      );
      await stopOnSignal({
        name: 'up',
        stop: () => {
          console.log('berth up: stopping');
          return cluster.stop();
        },
        pending: () => cluster.stopping(),
        onForcedExit: () => cluster.kill(),
      });
    });
}
