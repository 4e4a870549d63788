// `berth apiserver`: the compact Kubernetes API server on its own.
import { Command, Option } from 'commander';
import { durationFlag, listFlag, portFlag } from './flags.ts';
import { stopOnSignal } from './signals.ts';

export function apiserverCommand(): Command {
  return new Command('apiserver')
    .description('Run the Berth API server (Kubernetes-compatible, HTTPS)')
    .option('--data-dir <dir>', 'directory for PKI, kubeconfigs and the SQLite database', '.berth')
    .option('--bind-address <ip>', 'address to listen on', '127.0.0.1')
    .option('--secure-port <port>', 'HTTPS port', portFlag, 6443)
    .addOption(new Option('--storage <backend>', 'storage backend').choices(['sqlite', 'etcd']).default('sqlite'))
    .option('--etcd-servers <urls>', 'etcd endpoints, comma separated (with --storage etcd)', listFlag, [] as string[])
    .option('--etcd-prefix <prefix>', 'key prefix in etcd', '/registry')
    .addOption(new Option('--etcd-compaction-interval <duration>', 'the interval of compaction requests (either backend); 0 disables them').argParser(durationFlag).default(300_000, '5m0s'))
    .option('--token-auth-file <file>', 'static bearer tokens (CSV: token,user,uid,"group1,group2")')
    .addOption(new Option('--node-monitor-period <duration>', 'how often the node lifecycle controller checks nodes').argParser(durationFlag).default(5000, '5s'))
    .addOption(new Option('--node-monitor-grace-period <duration>', 'how long a node may stay silent before it is marked Unknown').argParser(durationFlag).default(50000, '50s'))
    .addOption(new Option('--metric-resolution <duration>', 'how often the Metrics API scrapes every kubelet (metrics.k8s.io)').argParser(durationFlag).default(15000, '15s'))
    .action(async (o) => {
      if (o.storage === 'etcd' && !o.etcdServers.length) {
        throw new Error('--storage etcd needs --etcd-servers (for example --etcd-servers http://127.0.0.1:2379)');
      }
      // Loaded here, not at the top: every command's process loads this file (see main.ts).
      const { startApiServer } = await import('../apiserver/apiserver.ts');
      const server = await startApiServer({
        dataDir: o.dataDir,
        bindAddress: o.bindAddress,
        securePort: o.securePort,
        storage: o.storage,
        etcdServers: o.etcdServers,
        etcdPrefix: o.etcdPrefix,
        etcdCompactionIntervalMs: o.etcdCompactionInterval,
        tokenAuthFile: o.tokenAuthFile,
        nodeMonitorPeriodMs: o.nodeMonitorPeriod,
        nodeMonitorGracePeriodMs: o.nodeMonitorGracePeriod,
        metricResolutionMs: o.metricResolution,
      });
      console.log(`berth apiserver listening on ${server.url} (storage: ${o.storage})`);
      console.log(`admin kubeconfig: ${o.dataDir}/admin.kubeconfig`);
      await stopOnSignal({ name: 'apiserver', stop: () => server.close() });
    });
}
