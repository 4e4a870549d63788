// Minimal stand-ins for the registry's Store (only what the Metrics API reads) and an HTTP response.
import type { ServerResponse } from 'node:http';
import { errors } from '../../../src/api/errors.ts';
import type { KubeObject } from '../../../src/api/object.ts';
import { matchLabels, parseLabelSelector } from '../../../src/api/selectors/labels.ts';
import { objectKey } from '../../../src/apiserver/registry/keys.ts';
import { findResource } from '../../../src/apiserver/registry/resources.ts';
import type { Store } from '../../../src/apiserver/registry/store.ts';

export function fakeStore(resource: 'nodes' | 'pods', objects: KubeObject[]): Store {
  const info = findResource('', 'v1', resource)!;
  const inNs = (ns: string) => objects.filter((o) => !ns || o.metadata.namespace === ns);
  return {
    info,
    get: async (ns: string, name: string) => {
      const o = inNs(ns).find((x) => x.metadata.name === name);
      if (!o) throw errors.notFound(info, name);
      return o;
    },
    list: async (ns: string, opts: { labelSelector?: string } = {}) => {
      const sel = opts.labelSelector ? parseLabelSelector(opts.labelSelector) : undefined;
      return { apiVersion: 'v1', kind: 'List', metadata: {}, items: inNs(ns).filter((o) => !sel || matchLabels(sel, o.metadata.labels)) };
    },
    cache: {
      list: () => ({ items: objects, revision: 1 }),
      get: (key: string) => objects.find((o) => objectKey(info, o.metadata.namespace ?? '', o.metadata.name!) === key),
    },
  } as unknown as Store;
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

export const node = (name: string, labels: Record<string, string> = {}, port = 10250): KubeObject => ({
  metadata: { name, labels },
  status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: port } } },
});

export const pod = (namespace: string, name: string, nodeName: string, labels: Record<string, string> = {}, phase = 'Running', containers = ['app']): KubeObject => ({
  metadata: { namespace, name, labels },
  spec: { nodeName, containers: containers.map((c) => ({ name: c })) },
  status: { phase },
});
