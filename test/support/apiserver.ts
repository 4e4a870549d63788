// Starts a Berth API server in-process on a free port, under a fresh data dir.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApiServer, type ApiServer, type ApiServerOptions } from '../../src/apiserver/apiserver.ts';

export interface TestApiServer extends ApiServer {
  dataDir: string;
  kubeconfig: string;
  stop(): Promise<void>;
}

export async function startTestApiServer(opts: Partial<ApiServerOptions> = {}): Promise<TestApiServer> {
  const dataDir = opts.dataDir ?? (await mkdtemp(join(tmpdir(), 'berth-apiserver-')));
  const server = await startApiServer({
    dataDir,
    bindAddress: '127.0.0.1',
    securePort: 0,
    storage: 'sqlite',
    etcdServers: [],
    etcdPrefix: '/registry',
    log: () => {},
    ...opts,
  });
  return {
    ...server,
    dataDir,
    kubeconfig: join(dataDir, 'admin.kubeconfig'),
    stop: async () => {
      await server.close();
      if (!opts.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
