// The API server's request labels, health rendering and storage timing, as upstream's.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRequestInfo } from '../../../src/apiserver/http/requestinfo.ts';
import { renderHealth, healthPath, serveHealthPath } from '../../../src/apiserver/http/health.ts';
import { isLongRunning, requestKind, requestLabels } from '../../../src/apiserver/instrumentation/labels.ts';
import { instrumentStorage, keyTypes } from '../../../src/apiserver/instrumentation/storage.ts';
import type { Storage } from '../../../src/apiserver/storage/interface.ts';

const info = (method: string, url: string) => {
  const u = new URL(url, 'https://x');
  return { info: parseRequestInfo(method, u.pathname, u.searchParams), query: u.searchParams };
};
const labels = (method: string, url: string, contentType?: string) => {
  const { info: i, query } = info(method, url);
  return requestLabels(method, i, query, contentType);
};

describe('request labels', () => {
  it('report upstream verbs and scopes', () => {
    assert.deepEqual(labels('GET', '/api/v1/namespaces/d/pods'), { verb: 'LIST', dry_run: '', group: '', version: 'v1', resource: 'pods', subresource: '', scope: 'namespace', component: 'apiserver' });
    assert.equal(labels('GET', '/api/v1/pods?watch=True').verb, 'WATCH');
    assert.equal(labels('GET', '/api/v1/watch/pods').scope, 'cluster');
    assert.equal(labels('GET', '/api/v1/namespaces/d/pods/p').scope, 'resource');
    assert.equal(labels('POST', '/api/v1/namespaces/d/pods').scope, 'resource');
    assert.equal(labels('PATCH', '/apis/apps/v1/namespaces/d/deployments/x', 'application/apply-patch+yaml').verb, 'APPLY');
    assert.equal(labels('DELETE', '/api/v1/namespaces/d/pods?dryRun=All').dry_run, 'All');
    assert.equal(labels('GET', '/api/v1/nodes/n/proxy/stats').verb, 'CONNECT');
    assert.deepEqual(labels('GET', '/healthz'), { verb: 'GET', dry_run: '', group: '', version: '', resource: '', subresource: '', scope: '', component: 'apiserver' });
  });
  it('tell long-running and mutating requests apart', () => {
    assert.equal(isLongRunning(info('GET', '/api/v1/pods?watch=1').info), true);
    assert.equal(isLongRunning(info('GET', '/api/v1/namespaces/d/pods/p/log').info), true);
    assert.equal(isLongRunning(info('GET', '/api/v1/pods').info), false);
    assert.equal(requestKind(info('GET', '/api/v1/pods').info), 'readOnly');
    assert.equal(requestKind(info('GET', '/metrics').info), 'readOnly');
    assert.equal(requestKind(info('PUT', '/api/v1/namespaces/d/pods/p').info), 'mutating');
  });
});

describe('request info', () => {
  it('makes a watch of a collection GET with watch=True, not of a named GET', () => {
    assert.equal(info('GET', '/api/v1/namespaces/d/pods?watch=True').info.verb, 'watch');
    assert.equal(info('GET', '/api/v1/namespaces/d/pods?watch=false').info.verb, 'list');
    assert.equal(info('GET', '/api/v1/namespaces/d/pods/p?watch=true').info.verb, 'get');
    assert.equal(info('GET', '/api/v1/watch/namespaces/d/pods/p').info.verb, 'watch');
  });
});

describe('health', () => {
  it('names the endpoint and check of a path', () => {
    assert.deepEqual(healthPath('/readyz'), { endpoint: 'readyz', check: undefined });
    assert.deepEqual(healthPath('/livez/etcd'), { endpoint: 'livez', check: 'etcd' });
    assert.equal(healthPath('/readyzz'), undefined);
  });
  it('renders ok, the verbose list, and failures with reasons withheld', () => {
    const ok = [{ name: 'ping', excluded: false }, { name: 'etcd', excluded: true }];
    assert.deepEqual(renderHealth('livez', ok, { verbose: false, unknownExcludes: [] }), { code: 200, body: 'ok' });
    assert.equal(renderHealth('livez', ok, { verbose: true, unknownExcludes: [] }).body, '[+]ping ok\n[+]etcd excluded: ok\nlivez check passed\n');
    const failed = renderHealth('readyz', [{ name: 'ping', excluded: false }, { name: 'etcd', excluded: false, error: 'down' }], { verbose: false, unknownExcludes: [] });
    assert.deepEqual(failed, { code: 500, body: '[+]ping ok\n[-]etcd failed: reason withheld\nreadyz check failed\n' });
  });
  it('runs a single check and says why it failed', async () => {
    const checks = [{ name: 'etcd', endpoints: ['readyz'] as const, check: () => Promise.reject(new Error('no answer')) }];
    assert.deepEqual(await serveHealthPath(checks, '/readyz/etcd', new URLSearchParams()), { code: 500, body: 'internal server error: no answer\n' });
    assert.equal(await serveHealthPath(checks, '/version', new URLSearchParams()), undefined);
  });
});

describe('storage timing', () => {
  it('times keyed requests by operation and resource, passing everything else through', async () => {
    const seen: string[] = [];
    const inner = { name: 'fake', get: async () => undefined, currentRevision: async () => 7 } as Pick<Storage, 'name' | 'get' | 'currentRevision'>;
    const typeOf = keyTypes(new Map([['/services/specs/', 'services'], ['/services/endpoints/', 'endpoints'], ['/pods/', 'pods']]));
    const s = instrumentStorage(inner as Storage, (op, type) => seen.push(`${op} ${type}`), typeOf);
    await s.get('/services/endpoints/d/x');
    await s.get('/pods/d/p');
    assert.equal(await s.currentRevision(), 7);
    assert.equal(s.name, 'fake');
    assert.deepEqual(seen, ['get endpoints', 'get pods']);
  });
});
