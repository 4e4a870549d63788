// An in-memory API for the kubelet's node-half tests: objects by path, resourceVersions,
// conflicts on stale PUTs, strategic merge patches, and a record of every call.
import { errors } from '../../../src/api/errors.ts';
import type { KubeObject } from '../../../src/api/object.ts';
import { applyStrategicMergePatch } from '../../../src/api/patch/index.ts';
import type { ApiClient, PatchType } from '../../../src/kubelet/client/client.ts';

export interface Call {
  verb: string;
  path: string;
  body?: unknown;
}

export class FakeApi implements ApiClient {
  readonly objects = new Map<string, KubeObject>();
  readonly calls: Call[] = [];
  private rv = 1;
  /** Set to make the next calls fail with this error. */
  failNext: Error[] = [];

  private fail(): void {
    const e = this.failNext.shift();
    if (e) throw e;
  }

  private stored(path: string): KubeObject {
    const obj = this.objects.get(path);
    if (!obj) throw errors.notFound({ group: '', resource: path.split('/').at(-2) ?? '' }, path.split('/').at(-1) ?? '');
    return structuredClone(obj);
  }

  put(path: string, obj: KubeObject): KubeObject {
    const stored = structuredClone(obj);
    stored.metadata.resourceVersion = String(++this.rv);
    stored.metadata.uid ??= `uid-${this.rv}`;
    this.objects.set(path, stored);
    return structuredClone(stored);
  }

  async get<T extends KubeObject>(path: string): Promise<T> {
    this.calls.push({ verb: 'get', path });
    this.fail();
    return this.stored(path) as T;
  }

  async list(): Promise<never> {
    throw new Error('not used');
  }

  async create<T extends KubeObject>(path: string, body: KubeObject): Promise<T> {
    this.calls.push({ verb: 'create', path, body });
    this.fail();
    const full = `${path}/${body.metadata.name}`;
    if (this.objects.has(full)) throw errors.alreadyExists({ group: '', resource: path.split('/').at(-1)! }, body.metadata.name!);
    return this.put(full, body) as T;
  }

  async update<T extends KubeObject>(path: string, body: KubeObject): Promise<T> {
    this.calls.push({ verb: 'update', path, body });
    this.fail();
    const current = this.stored(path);
    if (body.metadata.resourceVersion && body.metadata.resourceVersion !== current.metadata.resourceVersion) {
      throw errors.conflict({ group: '', resource: 'x' }, body.metadata.name!);
    }
    return this.put(path, { ...body, metadata: { ...body.metadata, uid: current.metadata.uid } }) as T;
  }

  async patch<T extends KubeObject>(path: string, body: unknown, type: PatchType): Promise<T> {
    this.calls.push({ verb: `patch:${type}`, path, body });
    this.fail();
    const target = path.replace(/\/status$/, '');
    const current = this.stored(target);
    // The patched object is the stored one, changed.
    const patched = applyStrategicMergePatch(current, body as Record<string, unknown>, 'V1Node') as unknown as KubeObject;
    return this.put(target, patched) as T;
  }

  async delete(): Promise<never> {
    throw new Error('not used');
  }

  count(verb: string, path?: string): number {
    return this.calls.filter((c) => c.verb === verb && (path === undefined || c.path === path)).length;
  }
}
