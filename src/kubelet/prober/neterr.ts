// Node's socket errors phrased as Go's net package phrases them, since upstream's probe
// messages (and people's alerts on them) carry Go's wording.

/** `host:port`, with brackets around IPv6 hosts (Go's net.JoinHostPort). */
export function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

const connectErrors: Record<string, string> = {
  ECONNREFUSED: 'connect: connection refused',
  EHOSTUNREACH: 'connect: no route to host',
  ENETUNREACH: 'connect: network is unreachable',
  EADDRNOTAVAIL: 'connect: cannot assign requested address',
  ETIMEDOUT: 'i/o timeout',
};

/** A dial error: `dial tcp 10.0.0.1:80: connect: connection refused`. */
export function dialError(err: unknown, host: string, port: number): string {
  const e = err as NodeJS.ErrnoException;
  const code = e?.code ?? '';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return `dial tcp: lookup ${host}: no such host`;
  const what = connectErrors[code];
  if (what) return `dial tcp ${joinHostPort(host, port)}: ${what}`;
  if (code === 'ECONNRESET') return `read tcp ${joinHostPort(host, port)}: read: connection reset by peer`;
  return `dial tcp ${joinHostPort(host, port)}: ${e?.message ?? String(err)}`;
}

/** Whether a socket error happened while connecting (vs. after). */
export function isDialError(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException)?.code ?? '';
  return code in connectErrors || code === 'ENOTFOUND' || code === 'EAI_AGAIN';
}
