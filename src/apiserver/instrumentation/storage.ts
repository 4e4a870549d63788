// Storage request durations as upstream's etcd_request_duration_seconds{operation, type}, for
// both backends: the SQLite backend reports under the same name, so that dashboards built for
// kube-apiserver read Berth's storage latency whichever backend it runs on.
import type { Storage } from '../storage/interface.ts';

export type ObserveStorage = (operation: string, type: string, seconds: number) => void;

/** The resource a key belongs to, from each resource's key prefix; longest prefix first. */
export function keyTypes(prefixes: Map<string, string>): (key: string) => string {
  const ordered = [...prefixes].sort((a, b) => b[0].length - a[0].length);
  return (key) => ordered.find(([prefix]) => key.startsWith(prefix))?.[1] ?? '';
}

async function timed<R>(observe: ObserveStorage, operation: string, type: string, f: () => Promise<R>): Promise<R> {
  const start = performance.now();
  try {
    return await f();
  } finally {
    observe(operation, type, (performance.now() - start) / 1000);
  }
}

/** Keyed operations timed, each with where its key is among the arguments (the first). */
const timedOps = new Set(['get', 'list', 'create', 'update', 'delete', 'compact']);

/**
 * The same Storage, timing each keyed request. A Proxy, so that whatever else the Storage
 * interface offers (now or later) passes through untouched.
 */
export function instrumentStorage(s: Storage, observe: ObserveStorage, typeOf: (key: string) => string): Storage {
  return new Proxy(s, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof prop !== 'string' || !timedOps.has(prop) || typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const type = prop === 'compact' ? '' : typeOf(String(args[0]));
        const call = value as (...a: unknown[]) => unknown;
        return timed(observe, prop, type, () => Promise.resolve(call.apply(target, args)));
      };
    },
  });
}
