// The metrics.k8s.io/v1beta1 REST endpoints: NodeMetrics and PodMetrics, get and list, selected
// by the labels of the Node and Pod objects (as metrics-server selects them) and by metadata
// fields. Objects come from the scraper's last two points; nothing is stored.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors, isStatusError, StatusError } from '../../api/errors.ts';
import type { Node, Pod } from '../../api/core/index.ts';
import type { KubeObject } from '../../api/object.ts';
import { fieldLabelNotSupported, fieldsUsed, matchFields, parseFieldSelector } from '../../api/selectors/fields.ts';
import type { RequestInfo } from '../http/requestinfo.ts';
import { parseAccept, writeJson } from '../http/respond.ts';
import type { ResourceClient } from '../client.ts';
import { podKey } from './decode.ts';
import { findMetricsResource, metricsGroup } from './discovery.ts';
import { metricsList, metricsTable, nodeMetrics, podMetrics, withKind, type NodeMetrics, type PodMetrics } from './render.ts';
import { nodeUsage, podUsage, type MetricsState } from './storage.ts';

export interface MetricsApiDeps {
  nodes: Pick<ResourceClient<Node>, 'get' | 'list'>;
  pods: Pick<ResourceClient<Pod>, 'get' | 'list'>;
  /** The scraper's current points. */
  state: () => MetricsState;
  now?: () => Date;
}

export type MetricsApiHandler = (req: IncomingMessage, res: ServerResponse, info: RequestInfo, query: URLSearchParams) => Promise<void>;

const nodeMetricsResource = { group: metricsGroup, resource: 'nodemetrics' };
const podMetricsResource = { group: metricsGroup, resource: 'podmetrics' };

/** A predicate for a metadata-only field selector (metadata.name, and metadata.namespace for pods). */
export function metadataFieldFilter(selector: string | null, namespaced: boolean): (obj: KubeObject) => boolean {
  if (!selector) return () => true;
  const sel = parseFieldSelector(selector);
  const supported = namespaced ? ['metadata.name', 'metadata.namespace'] : ['metadata.name'];
  for (const f of fieldsUsed(sel)) if (!supported.includes(f)) throw fieldLabelNotSupported(f);
  return (obj) => matchFields(sel, { 'metadata.name': obj.metadata.name ?? '', ...(namespaced ? { 'metadata.namespace': obj.metadata.namespace ?? '' } : {}) });
}

const running = (pod: Pod) => pod.status?.phase === 'Running';

// The order the Kubernetes API lists them in: namespace, then name.
const compare = (a = '', b = '') => (a < b ? -1 : a > b ? 1 : 0);
const byNamespaceAndName = (a: KubeObject, b: KubeObject) => compare(a.metadata.namespace, b.metadata.namespace) || compare(a.metadata.name, b.metadata.name);

/** The object, or undefined when it does not exist (any other failure is the caller's). */
async function getOrUndefined<T extends KubeObject>(store: Pick<ResourceClient<T>, 'get'>, namespace: string, name: string): Promise<T | undefined> {
  try {
    return await store.get(namespace, name);
  } catch (e) {
    if (isStatusError(e, 'NotFound')) return undefined;
    throw e;
  }
}

export function createMetricsApi(d: MetricsApiDeps): MetricsApiHandler {
  const now = d.now ?? (() => new Date());

  const nodeItems = (nodes: Node[]) => {
    const state = d.state();
    const t = now();
    return nodes.flatMap((n) => {
      const u = nodeUsage(state, n.metadata.name!);
      return u ? [nodeMetrics(n, u, t)] : [];
    });
  };
  const podItems = (pods: Pod[]) => {
    const state = d.state();
    const t = now();
    return pods.filter(running).flatMap((p) => {
      const u = podUsage(state, podKey(p.metadata.namespace!, p.metadata.name!));
      return u ? [podMetrics(p, u, t)] : [];
    });
  };

  const respond = <M extends NodeMetrics | PodMetrics>(req: IncomingMessage, res: ServerResponse, query: URLSearchParams, body: M | M[], kind: 'NodeMetrics' | 'PodMetrics') => {
    if (parseAccept(req.headers.accept).table) {
      const asked = query.get('includeObject');
      const include = asked === 'None' || asked === 'Object' ? asked : 'Metadata';
      return writeJson(res, 200, metricsTable(Array.isArray(body) ? body : [body], include));
    }
    if (Array.isArray(body)) return writeJson(res, 200, metricsList(`${kind}List`, body));
    writeJson(res, 200, withKind(body, kind));
  };

  return async (req, res, info, query) => {
    const resource = findMetricsResource(info.apiGroup, info.apiVersion, info.resource);
    const misplaced = resource && (resource.namespaced ? !info.namespace && info.verb === 'get' : !!info.namespace);
    if (!resource || info.subresource || misplaced) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource', {});
    if (info.verb !== 'get' && info.verb !== 'list') throw errors.methodNotSupported({ group: metricsGroup, resource: info.resource }, info.verb);
    const labelSelector = query.get('labelSelector') ?? undefined;

    if (resource.resource === 'nodes') {
      if (info.verb === 'get') {
        const node = await getOrUndefined(d.nodes, '', info.name);
        const item = node && nodeItems([node])[0];
        if (!item) throw errors.notFound(nodeMetricsResource, info.name);
        return respond(req, res, query, item, 'NodeMetrics');
      }
      const keep = metadataFieldFilter(query.get('fieldSelector'), false);
      const nodes = (await d.nodes.list('', { labelSelector, resourceVersion: '0' })).items.filter(keep).sort(byNamespaceAndName);
      return respond(req, res, query, nodeItems(nodes), 'NodeMetrics');
    }

    if (info.verb === 'get') {
      const pod = await getOrUndefined(d.pods, info.namespace, info.name);
      const item = pod && podItems([pod])[0];
      if (!item) throw errors.notFound(podMetricsResource, `${info.namespace}/${info.name}`);
      return respond(req, res, query, item, 'PodMetrics');
    }
    const keep = metadataFieldFilter(query.get('fieldSelector'), true);
    const pods = (await d.pods.list(info.namespace, { labelSelector, resourceVersion: '0' })).items.filter(keep).sort(byNamespaceAndName);
    return respond(req, res, query, podItems(pods), 'PodMetrics');
  };
}
