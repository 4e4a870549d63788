// A minimal HTTPS client for tests and benchmarks, authenticated from a kubeconfig.
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { parse as parseYaml } from 'yaml';

export interface Credentials {
  server: string;
  ca: string;
  cert?: string;
  key?: string;
  token?: string;
}

export function credentialsFromKubeconfig(file: string): Credentials {
  const kc = parseYaml(readFileSync(file, 'utf8'));
  const cluster = kc.clusters[0].cluster;
  const user = kc.users[0].user;
  const b64 = (s?: string) => (s ? Buffer.from(s, 'base64').toString('utf8') : undefined);
  return {
    server: cluster.server,
    ca: b64(cluster['certificate-authority-data'])!,
    cert: b64(user['client-certificate-data']),
    key: b64(user['client-key-data']),
    token: user.token,
  };
}

export interface Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json(): any;
}

export class TestClient {
  readonly agent: Agent;
  constructor(readonly creds: Credentials, maxSockets = 64) {
    this.agent = new Agent({ ca: creds.ca, cert: creds.cert, key: creds.key, keepAlive: true, maxSockets });
  }

  request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    return new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      const req = request(
        `${this.creds.server}${path}`,
        {
          method,
          agent: this.agent,
          headers: {
            ...(data !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(data)) } : {}),
            ...(this.creds.token ? { Authorization: `Bearer ${this.creds.token}` } : {}),
            ...headers,
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
          });
        },
      );
      req.on('error', reject);
      req.end(data);
    });
  }

  /** Opens a watch; calls onEvent per line (and onEnd when the server ends it); resolves once the response headers arrive. */
  watch(path: string, onEvent: (ev: { type: string; object: any }) => void, signal: AbortSignal, onEnd?: () => void): Promise<void> {
    return new Promise((resolve, reject) => {
      const req = request(`${this.creds.server}${path}`, { agent: this.agent, signal }, (res) => {
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buf += chunk;
          let nl: number;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, nl);
            buf = buf.slice(nl + 1);
            if (line.trim()) onEvent(JSON.parse(line));
          }
        });
        res.on('error', () => {});
        res.on('end', () => onEnd?.());
        resolve();
      });
      req.on('error', (e) => (signal.aborted ? resolve() : reject(e)));
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
