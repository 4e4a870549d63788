// A TCP port that never answers, and a look at who is still dialing it.
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * A port on 127.0.0.1 whose SYNs go unanswered: a listener in a stopped process with its accept
 * queue filled by another process (so that the fillers' own SYN-SENT are not the caller's).
 * (TEST-NET addresses are no good here: this machine's gateway is 192.0.2.1 and a proxy answers
 * the rest.) Connections to it stay in SYN-SENT until the caller gives up.
 */
export async function blackhole(): Promise<{ port: number; close(): void }> {
  const listener = spawn(process.execPath, ['-e', `
    const s = require('node:net').createServer();
    s.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => console.log(s.address().port));
  `], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = Number(await firstLine(listener));
  listener.kill('SIGSTOP');
  const filler = spawn(process.execPath, ['-e', `
    const net = require('node:net');
    for (let i = 0; i < 4; i++) net.connect(${port}, '127.0.0.1').on('error', () => {});
    setTimeout(() => console.log('filled'), 200);
    setInterval(() => {}, 60000);
  `], { stdio: ['ignore', 'pipe', 'inherit'] });
  await firstLine(filler);
  return {
    port,
    close() {
      filler.kill('SIGKILL');
      listener.kill('SIGKILL');
    },
  };
}

function firstLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', (d) => {
      child.stdout!.destroy();
      resolve(String(d).trim());
    });
    child.once('exit', () => reject(new Error('a blackhole process exited')));
  });
}

/** How many of the process's TCP sockets are in SYN-SENT towards the port (from /proc); 0 once it has exited. */
export function synSentTo(pid: number, port: number): number {
  const inodes = new Set<string>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return 0;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]!);
    } catch {
      // closed meanwhile
    }
  }
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  let n = 0;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // remote address, state 02 (SYN_SENT), inode
      if (f.length > 9 && f[2]!.endsWith(`:${hexPort}`) && f[3] === '02' && inodes.has(f[9]!)) n++;
    }
  }
  return n;
}
