// A TCP proxy in front of a server, to cut clients off as a network partition or a load balancer
// resetting its connections would: open connections are reset, and new ones too until healed.
import { connect, createServer, type Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  /** Resets every open connection, and each new one until heal(). */
  cut(): void;
  heal(): void;
  /** Connections accepted so far (each client connection once). */
  accepted(): number;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<Socket>();
  let partitioned = false;
  let accepted = 0;
  const server = createServer((client) => {
    if (partitioned) {
      client.resetAndDestroy();
      return;
    }
    accepted++;
    const upstream = connect(target.port, target.host);
    for (const [a, b] of [[client, upstream], [upstream, client]] as const) {
      open.add(a);
      a.pipe(b);
      a.on('error', () => b.destroy());
      a.on('close', () => {
        open.delete(a);
        b.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    cut() {
      partitioned = true;
      for (const s of open) s.resetAndDestroy();
    },
    heal() {
      partitioned = false;
    },
    accepted: () => accepted,
    close: async () => {
      for (const s of open) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
