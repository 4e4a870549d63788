// Minimal stand-ins for the API server's clients (only what the Metrics API reads) and an HTTP response.
import type { ServerResponse } from 'node:http';
import type { Node, Pod, PodPhase } from '../../../src/api/core/index.ts';
import { errors } from '../../../src/api/errors.ts';
import type { KubeObject } from '../../../src/api/object.ts';
import { matchLabels, parseLabelSelector } from '../../../src/api/selectors/labels.ts';
import type { ObjectCache, ResourceClient } from '../../../src/apiserver/client.ts';

/** What the Metrics API and its scraper read of a resource. */
export type FakeClient<T extends KubeObject> = Pick<ResourceClient<T>, 'get' | 'list'> & { cache: Pick<ObjectCache<T>, 'get' | 'list'> };

export function fakeStore<T extends KubeObject>(resource: 'nodes' | 'pods', objects: T[]): FakeClient<T> {
  const info = { group: '', resource };
  const inNs = (ns: string) => objects.filter((o) => !ns || o.metadata.namespace === ns);
  return {
    get: async (ns, name) => {
      const o = inNs(ns).find((x) => x.metadata.name === name);
      if (!o) throw errors.notFound(info, name);
      return o;
    },
    list: async (ns, opts = {}) => {
      const sel = opts.labelSelector ? parseLabelSelector(opts.labelSelector) : undefined;
      return { apiVersion: 'v1', kind: 'List', metadata: {}, items: inNs(ns).filter((o) => !sel || matchLabels(sel, o.metadata.labels)) };
    },
    cache: {
      list: () => ({ items: objects, revision: 1 }),
      get: (ns, name) => objects.find((o) => (o.metadata.namespace ?? '') === ns && o.metadata.name === name),
    },
  };
}

export function fakeResponse(): ServerResponse & { status: number; body: () => any } {
  let text = '';
  const res = {
    status: 0,
    writeHead(code: number) {
      res.status = code;
      return res;
    },
    end(t: string) {
      text = t;
    },
    body: () => JSON.parse(text),
  };
  return res as unknown as ServerResponse & { status: number; body: () => any };
}

export const node = (name: string, labels: Record<string, string> = {}, port = 10250): Node => ({
  metadata: { name, labels },
  status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: port } } },
});

export const pod = (namespace: string, name: string, nodeName: string, labels: Record<string, string> = {}, phase: PodPhase = 'Running', containers = ['app']): Pod => ({
  metadata: { namespace, name, labels },
  spec: { nodeName, containers: containers.map((c) => ({ name: c })) },
  status: { phase },
});
