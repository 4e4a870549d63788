// The namespace controller: empties a terminating namespace (pods gracefully), then removes
// its "kubernetes" finalizer so the namespace itself goes.
import type { Namespace } from '../../api/core/index.ts';
import { isStatusError } from '../../api/errors.ts';
import type { KubeObject } from '../../api/object.ts';
import type { ResourceClient } from '../../apiserver/client.ts';

const retryMs = 1000;

export interface NamespaceControllerDeps {
  namespaces: ResourceClient<Namespace>;
  /** Every namespaced resource, whose objects go with their namespace. */
  contents: ResourceClient<KubeObject>[];
  signal: AbortSignal;
  log?: (msg: string) => void;
}

/** Deletes what a namespace holds; true once nothing is left. */
async function emptyNamespace(name: string, contents: ResourceClient<KubeObject>[]): Promise<boolean> {
  let empty = true;
  for (const resource of contents) {
    await resource.deleteCollection(name);
    // Pods being deleted gracefully (and objects held by finalizers) are still there.
    if ((await resource.list(name)).items.length) empty = false;
  }
  return empty;
}

export function runNamespaceController(d: NamespaceControllerDeps): void {
  const pending = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  const schedule = (delay = 0) => {
    if (d.signal.aborted || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      void sync();
    }, delay);
  };
  const sync = async () => {
    for (const name of [...pending]) {
      try {
        const ns = await d.namespaces.get('', name);
        if (!ns.metadata.deletionTimestamp) {
          pending.delete(name);
          continue;
        }
        if (!(await emptyNamespace(name, d.contents))) continue;
        await d.namespaces.guaranteedUpdate('', name, (cur) => ({ ...cur, spec: { ...cur.spec, finalizers: (cur.spec?.finalizers ?? []).filter((f) => f !== 'kubernetes') } }), 'finalize');
        pending.delete(name);
      } catch (e) {
        if (isStatusError(e, 'NotFound')) pending.delete(name);
        else d.log?.(`namespace controller: ${name}: ${(e as Error).message}`);
      }
    }
    if (pending.size) schedule(retryMs);
  };
  const consider = (ns: Namespace) => {
    if (ns.metadata.deletionTimestamp) {
      pending.add(ns.metadata.name!);
      schedule();
    }
  };
  for (const ns of d.namespaces.cache.list().items) consider(ns);
  d.namespaces.cache.watch(d.namespaces.cache.revision(), (events) => events.forEach((e) => e.type !== 'DELETED' && consider(e.object)), d.signal);
  d.signal.addEventListener('abort', () => clearTimeout(timer));
}
