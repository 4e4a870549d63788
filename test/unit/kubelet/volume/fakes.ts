// Fakes for volume tests: an in-memory API object source and a mounter that only records.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { errors } from '../../../../src/api/errors.ts';
import type { ConfigMap, Secret } from '../../../../src/api/core/index.ts';
import { mountPointsBelow, type Mounter } from '../../../../src/kubelet/volume/mounter.ts';
import type { IssuedToken, TokenRequestOptions, VolumeObjectSource } from '../../../../src/kubelet/volume/types.ts';

export class FakeObjects implements VolumeObjectSource {
  configMaps = new Map<string, ConfigMap>();
  secrets = new Map<string, Secret>();
  tokenRequests: Array<{ namespace: string; sa: string; opts: TokenRequestOptions }> = [];
  /** Issue time for tokens (tests pass their fake clock's now). */
  now: () => Date = () => new Date(Date.UTC(2026, 10, 27, 3, 55, 0));
  issue: (n: number, opts: TokenRequestOptions) => IssuedToken = (n, opts) => ({
    token: `token-${n}`,
    expirationTimestamp: new Date(this.now().getTime() + opts.expirationSeconds * 1000).toISOString(),
  });
  failTokens = false;

  addConfigMap(namespace: string, name: string, data: Record<string, string>, binaryData?: Record<string, string>): void {
    this.configMaps.set(`${namespace}/${name}`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace, name }, data, ...(binaryData ? { binaryData } : {}) });
  }

  addSecret(namespace: string, name: string, data: Record<string, string>): void {
    const encoded = Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
    this.secrets.set(`${namespace}/${name}`, { apiVersion: 'v1', kind: 'Secret', metadata: { namespace, name }, data: encoded });
  }

  async getConfigMap(namespace: string, name: string): Promise<ConfigMap> {
    const o = this.configMaps.get(`${namespace}/${name}`);
    if (!o) throw errors.notFound({ group: '', resource: 'configmaps' }, name);
    return structuredClone(o);
  }

  async getSecret(namespace: string, name: string): Promise<Secret> {
    const o = this.secrets.get(`${namespace}/${name}`);
    if (!o) throw errors.notFound({ group: '', resource: 'secrets' }, name);
    return structuredClone(o);
  }

  async requestServiceAccountToken(namespace: string, sa: string, opts: TokenRequestOptions): Promise<IssuedToken> {
    if (this.failTokens) throw new Error('connection refused');
    this.tokenRequests.push({ namespace, sa, opts });
    return this.issue(this.tokenRequests.length, opts);
  }
}

export class FakeMounter implements Mounter {
  readonly mounted = new Map<string, number | undefined>();
  readonly calls: string[] = [];

  async mountTmpfs(target: string, sizeBytes?: number): Promise<void> {
    this.calls.push(`mount ${target} ${sizeBytes ?? '-'}`);
    this.mounted.set(target, sizeBytes);
  }
  async bind(source: string, target: string): Promise<void> {
    this.calls.push(`bind ${source} ${target}`);
    this.mounted.set(target, undefined);
  }
  async unmount(target: string): Promise<void> {
    this.calls.push(`umount ${target}`);
    if (!this.mounted.delete(target)) throw new Error(`umount: ${target}: not mounted`);
  }
  async isMountPoint(target: string): Promise<boolean> {
    return this.mounted.has(target);
  }
  async mountPointsUnder(dir: string): Promise<string[]> {
    return mountPointsBelow([...this.mounted.keys()], dir);
  }
}

export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'berth-volume-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
