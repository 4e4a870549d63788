// /healthz, /livez and /readyz as upstream's healthz package serves them: "ok", or with ?verbose
// (or on failure) one "[+]name ok" / "[-]name failed: reason withheld" line per check and
// "<endpoint> check passed|failed"; ?exclude=name skips a check; /readyz/<name> runs one.

export type HealthEndpoint = 'healthz' | 'livez' | 'readyz';

export interface HealthCheck {
  name: string;
  /** Resolves when healthy; throws (or rejects) with why not. */
  check: () => Promise<void> | void;
  /** The endpoints that run it (upstream: readyz has informer-sync and shutdown, livez and healthz do not). */
  endpoints: readonly HealthEndpoint[];
}

export interface HealthResult {
  name: string;
  /** undefined when healthy. */
  error?: string;
  excluded: boolean;
}

export interface HealthResponse {
  code: number;
  body: string;
}

/** Which endpoint and check a path names: /readyz, /readyz/, /readyz/etcd. */
export function healthPath(path: string): { endpoint: HealthEndpoint; check?: string } | undefined {
  const m = /^\/(healthz|livez|readyz)(?:\/([^/]*))?\/?$/.exec(path);
  if (!m) return undefined;
  return { endpoint: m[1] as HealthEndpoint, check: m[2] || undefined };
}

/** The names ?exclude lists (repeated or comma-separated, as upstream reads them). */
export function excludedNames(query: URLSearchParams): Set<string> {
  return new Set(query.getAll('exclude').flatMap((v) => v.split(',')).map((s) => s.trim()).filter(Boolean));
}

/** The response to a whole endpoint, from its checks' results. */
export function renderHealth(endpoint: HealthEndpoint, results: HealthResult[], o: { verbose: boolean; unknownExcludes: string[] }): HealthResponse {
  const failed = results.some((r) => !r.excluded && r.error !== undefined);
  if (!failed && !o.verbose) return { code: 200, body: 'ok' };
  const lines = results.map((r) => {
    if (r.excluded) return `[+]${r.name} excluded: ok`;
    return r.error === undefined ? `[+]${r.name} ok` : `[-]${r.name} failed: reason withheld`;
  });
  if (o.unknownExcludes.length) {
    lines.push(`warn: some health checks cannot be excluded: no matches for ${o.unknownExcludes.map((n) => JSON.stringify(n)).join(',')}`);
  }
  lines.push(`${endpoint} check ${failed ? 'failed' : 'passed'}`);
  return { code: failed ? 500 : 200, body: `${lines.join('\n')}\n` };
}

async function run(c: HealthCheck): Promise<string | undefined> {
  try {
    await c.check();
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

/** Answers a health path, or undefined when the path is not one. */
export async function serveHealthPath(checks: readonly HealthCheck[], path: string, query: URLSearchParams): Promise<HealthResponse | undefined> {
  const p = healthPath(path);
  if (!p) return undefined;
  const mine = checks.filter((c) => c.endpoints.includes(p.endpoint));
  if (p.check) {
    const c = mine.find((x) => x.name === p.check);
    if (!c) return { code: 404, body: '404 page not found\n' };
    const error = await run(c);
    return error === undefined ? { code: 200, body: 'ok' } : { code: 500, body: `internal server error: ${error}\n` };
  }
  const excluded = excludedNames(query);
  const results = await Promise.all(
    mine.map(async (c): Promise<HealthResult> => (excluded.has(c.name) ? { name: c.name, excluded: true } : { name: c.name, excluded: false, error: await run(c) })),
  );
  const unknownExcludes = [...excluded].filter((n) => !mine.some((c) => c.name === n));
  return renderHealth(p.endpoint, results, { verbose: query.has('verbose'), unknownExcludes });
}
