// The paths of one group-version, laid out as upstream's API server lays them out, with the
// extensions kubectl reads: x-kubernetes-action and x-kubernetes-group-version-kind on every
// operation, and fieldValidation on writes (kubectl then validates on the server).
import { classForKind } from '../../api/schema/models.ts';
import type { ResourceInfo } from '../registry/resources.ts';
import { primitiveNames, subresourceKind, type SchemaNamer } from './names.ts';
import { attachParams, portForwardParams, deleteCollectionParams, deleteParams, execParams, listParams, logParams, params, patchParams, writeParams } from './parameters.ts';
import { ref, type GroupVersionKind, type Schema } from './schemas.ts';

export const patchContentTypes = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
];
const objectContentTypes = ['application/json', 'application/yaml'];
const listContentTypes = [...objectContentTypes, 'application/json;stream=watch'];
const textContentTypes = ['text/plain', 'application/json', 'application/yaml'];

type Method = 'get' | 'put' | 'post' | 'patch' | 'delete';

/** Upstream's operationId word for a group-version: ('', 'v1') → 'CoreV1'. */
export function groupVersionWord(group: string, version: string): string {
  const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
  const groupWord = group ? group.replace(/\.k8s\.io$/, '').split('.').map(cap).join('') : 'Core';
  return `${groupWord}${cap(version)}`;
}

/** '/api/v1' or '/apis/<group>/<version>'. */
export function groupVersionRoot(group: string, version: string): string {
  return group ? `/apis/${group}/${version}` : `/api/${version}`;
}

export interface GroupVersionPaths {
  paths: Record<string, Record<string, Schema>>;
  /** Model classes the operations reference (roots of the component schemas). */
  classes: Set<string>;
  /** Non-model schemas the operations reference directly (the Patch body). */
  primitives?: Set<string>;
}

/** Builds every path of the resources of one group-version. */
export function buildPaths(namer: SchemaNamer, group: string, version: string, rs: ResourceInfo[]): GroupVersionPaths {
  const classes = new Set<string>();
  const primitives = new Set<string>();
  const paths: Record<string, Record<string, Schema>> = {};
  const gvWord = groupVersionWord(group, version);
  const tag = `${group ? group.replace(/\.k8s\.io$/, '').replace(/\./g, '_') : 'core'}_${version}`;
  const root = groupVersionRoot(group, version);

  const schemaOf = (className: string): Schema => {
    classes.add(className);
    return ref(namer.nameOf(className));
  };
  const patchRef = (): Schema => {
    primitives.add(primitiveNames.Patch);
    return ref(primitiveNames.Patch);
  };
  const content = (types: string[], schema: Schema): Schema => ({
    content: Object.fromEntries(types.map((t) => [t, { schema }])),
  });
  const response = (description: string, types: string[], schema: Schema): Schema => ({ description, ...content(types, schema) });
  const add = (path: string, method: Method, op: Schema): void => {
    (paths[path] ??= {})[method] = { tags: [tag], ...op, responses: { ...(op.responses as object), '401': { description: 'Unauthorized' } } };
  };

  const statusClass = 'V1Status';
  add(`${root}/`, 'get', {
    description: 'The resources of this group-version.',
    operationId: `get${gvWord}APIResources`,
    responses: { '200': response('OK', objectContentTypes, schemaOf('V1APIResourceList')) },
  });

  for (const r of rs) {
    const kindClass = classForKind(group, version, r.kind);
    if (!kindClass) continue;
    const listClass = classForKind(group, version, `${r.kind}List`);
    const gvk: GroupVersionKind = { group, version, kind: r.kind };
    const scope = r.namespaced ? 'Namespaced' : '';
    const collection = r.namespaced ? `${root}/namespaces/{namespace}/${r.resource}` : `${root}/${r.resource}`;
    const item = `${collection}/{name}`;
    const scopeParams = r.namespaced ? [params.namespace] : [];
    const itemParams = [params.name, ...scopeParams];
    const kindRef = schemaOf(kindClass);
    const ext = (action: string, kinds: GroupVersionKind = gvk): Schema => ({
      'x-kubernetes-action': action,
      'x-kubernetes-group-version-kind': kinds,
    });
    const body = (schema: Schema, types = ['*/*']): Schema => ({ requestBody: { required: true, ...content(types, schema) } });
    const has = (verb: string) => r.verbs.includes(verb);
    // Upstream answers a delete with the object for kinds deleted gracefully, else with a Status.
    const deleteAnswer = r.kind === 'Pod' || r.kind === 'Service' ? kindRef : schemaOf(statusClass);

    if (has('list') && listClass) {
      const listOp = (operationId: string, ps: Schema[]): Schema => ({
        description: `List or watch ${r.kind} objects.`,
        operationId,
        parameters: [...ps, params.pretty, ...listParams],
        responses: { '200': response('OK', listContentTypes, schemaOf(listClass)) },
        ...ext('list'),
      });
      add(collection, 'get', listOp(`list${gvWord}${scope}${r.kind}`, scopeParams));
      if (r.namespaced) add(`${root}/${r.resource}`, 'get', listOp(`list${gvWord}${r.kind}ForAllNamespaces`, []));
    }
    if (has('create')) {
      add(collection, 'post', {
        description: `Create a ${r.kind}.`,
        operationId: `create${gvWord}${scope}${r.kind}`,
        parameters: [...scopeParams, params.pretty, ...writeParams],
        ...body(kindRef),
        responses: {
          '200': response('OK', objectContentTypes, kindRef),
          '201': response('Created', objectContentTypes, kindRef),
          '202': response('Accepted', objectContentTypes, kindRef),
        },
        ...ext('post'),
      });
    }
    if (has('deletecollection')) {
      add(collection, 'delete', {
        description: `Delete a collection of ${r.kind} objects.`,
        operationId: `delete${gvWord}Collection${scope}${r.kind}`,
        parameters: [...scopeParams, params.pretty, ...deleteCollectionParams],
        requestBody: content(['*/*'], schemaOf('V1DeleteOptions')),
        responses: { '200': response('OK', objectContentTypes, schemaOf(statusClass)) },
        ...ext('deletecollection'),
      });
    }
    if (has('get')) {
      add(item, 'get', {
        description: `Read the specified ${r.kind}.`,
        operationId: `read${gvWord}${scope}${r.kind}`,
        parameters: [...itemParams, params.pretty],
        responses: { '200': response('OK', objectContentTypes, kindRef) },
        ...ext('get'),
      });
    }
    const replaceOp = (sub: string, kinds: GroupVersionKind, schema: Schema, path: string, what: string): void =>
      add(path, 'put', {
        description: `Replace ${what}.`,
        operationId: `replace${gvWord}${scope}${r.kind}${sub}`,
        parameters: [...itemParams, params.pretty, ...writeParams],
        ...body(schema),
        responses: { '200': response('OK', objectContentTypes, schema), '201': response('Created', objectContentTypes, schema) },
        ...ext('put', kinds),
      });
    const patchOp = (sub: string, path: string, what: string): void =>
      add(path, 'patch', {
        description: `Partially update ${what}.`,
        operationId: `patch${gvWord}${scope}${r.kind}${sub}`,
        parameters: [...itemParams, params.pretty, ...patchParams],
        ...body(patchRef(), patchContentTypes),
        responses: { '200': response('OK', objectContentTypes, kindRef), '201': response('Created', objectContentTypes, kindRef) },
        ...ext('patch'),
      });
    if (has('update')) replaceOp('', gvk, kindRef, item, `the specified ${r.kind}`);
    if (has('patch')) patchOp('', item, `the specified ${r.kind}`);
    if (has('delete')) {
      add(item, 'delete', {
        description: `Delete a ${r.kind}.`,
        operationId: `delete${gvWord}${scope}${r.kind}`,
        parameters: [...itemParams, params.pretty, ...deleteParams],
        requestBody: content(['*/*'], schemaOf('V1DeleteOptions')),
        responses: { '200': response('OK', objectContentTypes, deleteAnswer), '202': response('Accepted', objectContentTypes, deleteAnswer) },
        ...ext('delete'),
      });
    }

    for (const s of r.subresources ?? []) {
      const path = `${item}/${s.name}`;
      const sub = s.name.charAt(0).toUpperCase() + s.name.slice(1);
      const what = `${s.name} of the specified ${r.kind}`;
      if (s.name === 'proxy') {
        addProxy(add, { gvWord, scope, kind: r.kind, path, itemParams, gvk: { group, version, kind: s.kind } });
        continue;
      }
      if (s.name === 'exec' || s.name === 'attach' || s.name === 'portforward') {
        addStreaming(add, s.name, { gvWord, scope, kind: r.kind, path, itemParams, gvk: { group, version, kind: s.kind } });
        continue;
      }
      const subKind = subresourceKind(r, s);
      const subGvk: GroupVersionKind = subKind ? { group: subKind.group, version: subKind.version, kind: s.kind } : gvk;
      const subRef = subKind ? schemaOf(subKind.className) : kindRef;
      if (s.name === 'log') {
        add(path, 'get', {
          description: `Read the log of a container of the specified ${r.kind}.`,
          operationId: `read${gvWord}${scope}${r.kind}Log`,
          parameters: [...itemParams, params.pretty, ...logParams],
          responses: { '200': response('OK', textContentTypes, { type: 'string' }) },
          ...ext('get', subGvk),
        });
        continue;
      }
      if (s.verbs.includes('get')) {
        add(path, 'get', {
          description: `Read ${what}.`,
          operationId: `read${gvWord}${scope}${r.kind}${sub}`,
          parameters: [...itemParams, params.pretty],
          responses: { '200': response('OK', objectContentTypes, subRef) },
          ...ext('get', subGvk),
        });
      }
      if (s.verbs.includes('create')) {
        add(path, 'post', {
          description: `Create ${what}.`,
          operationId: `create${gvWord}${scope}${r.kind}${sub}`,
          parameters: [...itemParams, params.pretty, ...writeParams],
          ...body(subRef),
          responses: {
            '200': response('OK', objectContentTypes, subRef),
            '201': response('Created', objectContentTypes, subRef),
            '202': response('Accepted', objectContentTypes, subRef),
          },
          ...ext('post', subGvk),
        });
      }
      if (s.verbs.includes('update')) replaceOp(sub, subGvk, subRef, path, what);
      if (s.verbs.includes('patch')) patchOp(sub, path, what);
    }
  }
  return { paths, classes, primitives };
}

interface ProxyContext {
  gvWord: string;
  scope: string;
  kind: string;
  path: string;
  itemParams: Schema[];
  gvk: GroupVersionKind;
}

/** Proxy subresources are 'connect' operations on `<item>/proxy` and `<item>/proxy/{path}`. */
function addProxy(add: (path: string, method: Method, op: Schema) => void, c: ProxyContext): void {
  const methods: Array<[Method, string]> = [['get', 'Get'], ['post', 'Post'], ['put', 'Put'], ['patch', 'Patch'], ['delete', 'Delete']];
  for (const [withPath, path] of [[false, c.path], [true, `${c.path}/{path}`]] as const) {
    for (const [method, word] of methods) {
      add(path, method, {
        description: `Forward a ${method.toUpperCase()} request to the ${c.kind}.`,
        operationId: `connect${c.gvWord}${word}${c.scope}${c.kind}Proxy${withPath ? 'WithPath' : ''}`,
        parameters: withPath ? [...c.itemParams, params.path, params.proxyPath] : [...c.itemParams, params.proxyPath],
        responses: { '200': { description: 'OK', content: { '*/*': { schema: { type: 'string' } } } } },
        'x-kubernetes-action': 'connect',
        'x-kubernetes-group-version-kind': c.gvk,
      });
    }
  }
}

const streamingParams = { exec: execParams, attach: attachParams, portforward: portForwardParams };

/** pods/exec, pods/attach and pods/portforward are 'connect' operations (GET and POST) whose answer is a stream. */
function addStreaming(add: (path: string, method: Method, op: Schema) => void, name: keyof typeof streamingParams, c: ProxyContext): void {
  const word = name === 'portforward' ? 'Portforward' : name === 'exec' ? 'Exec' : 'Attach';
  for (const [method, verb] of [['get', 'Get'], ['post', 'Post']] as const) {
    add(c.path, method, {
      description: `Connect ${method.toUpperCase()} requests to ${name} of the ${c.kind}.`,
      operationId: `connect${c.gvWord}${verb}${c.scope}${c.kind}${word}`,
      parameters: [...c.itemParams, ...streamingParams[name]],
      responses: { '200': { description: 'OK', content: { '*/*': { schema: { type: 'string' } } } } },
      'x-kubernetes-action': 'connect',
      'x-kubernetes-group-version-kind': c.gvk,
    });
  }
}
