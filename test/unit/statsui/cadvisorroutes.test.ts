// cAdvisor's REST paths over a synthetic StatsSource: name lookup by cgroup path or container ID,
// subcontainers, recursion, counts and errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cadvisorRequest, cpuLimitsOf, directSubcontainers, normalizeName } from '../../../src/kubelet/statsui/cadvisorroutes.ts';
import { DB_CGROUP, fakeSource, refs, WEB_CGROUP } from './fake_source.ts';

const q = (s = '') => new URLSearchParams(s);

test('normalizeName gives cAdvisor absolute names', () => {
  assert.equal(normalizeName(''), '/');
  assert.equal(normalizeName('/'), '/');
  assert.equal(normalizeName('/kubepods/'), '/kubepods');
  assert.equal(normalizeName('kubepods'), '/kubepods');
});

test('direct subcontainers skip levels nobody watches and stop at the nearest watched ref', () => {
  assert.deepEqual(
    directSubcontainers('/', refs).map((r) => r.cgroupPath),
    ['/kubepods'],
  );
  assert.deepEqual(
    directSubcontainers('/kubepods', refs).map((r) => r.cgroupPath),
    [DB_CGROUP, WEB_CGROUP],
  );
  assert.deepEqual(
    directSubcontainers(WEB_CGROUP, refs).map((r) => r.id),
    ['c-nginx', 'c-sidecar'],
  );
});

test('v1.3 containers: ContainerInfo of a cgroup path, 60 stats by default, num_stats from the body', () => {
  const source = fakeSource({ samples: 70, storageMs: 1_000_000 });
  const info = cadvisorRequest(source, `/api/v1.3/containers${WEB_CGROUP}`, q())!;
  assert.equal(info.code, 200);
  const body = info.body as any;
  assert.equal(body.name, WEB_CGROUP);
  assert.equal(body.stats.length, 60);
  assert.deepEqual(
    body.subcontainers.map((s: any) => s.name),
    [`${WEB_CGROUP}/c-nginx`, `${WEB_CGROUP}/c-sidecar`],
  );
  assert.equal(body.spec.memory.limit, 512 * 1024 * 1024);
  assert.deepEqual(body.spec.cpu, { limit: 358, max_limit: 600, quota: 60_000, period: 100_000 });
  assert.equal((cadvisorRequest(source, '/api/v1.3/containers/', q(), { num_stats: 2 })!.body as any).stats.length, 2);
  assert.equal((cadvisorRequest(source, '/api/v1.3/containers/', q('num_stats=-1'))!.body as any).stats.length, source.samples('/').length);
});

test('v1.3 subcontainers: the container and everything below it', () => {
  const out = cadvisorRequest(fakeSource(), '/api/v1.3/subcontainers/kubepods', q())!.body as any[];
  assert.deepEqual(
    out.map((c) => c.name),
    ['/kubepods', WEB_CGROUP, `${WEB_CGROUP}/c-nginx`, `${WEB_CGROUP}/c-sidecar`, DB_CGROUP, `${DB_CGROUP}/c-db`],
  );
});

test('v2.0 stats: keyed by name, 64 by default, count, recursive and type=docker', () => {
  const source = fakeSource({ samples: 70, storageMs: 1_000_000 });
  const one = cadvisorRequest(source, '/api/v2.0/stats/kubepods', q())!.body as Record<string, unknown[]>;
  assert.deepEqual(Object.keys(one), ['/kubepods']);
  assert.equal(one['/kubepods'].length, 64);
  const rec = cadvisorRequest(source, `/api/v2.0/stats${DB_CGROUP}`, q('recursive=true&count=3'))!.body as Record<string, unknown[]>;
  assert.deepEqual(Object.keys(rec), [DB_CGROUP, `${DB_CGROUP}/c-db`]);
  assert.equal(rec[DB_CGROUP].length, 3);
  const docker = cadvisorRequest(source, '/api/v2.0/stats/c-db', q('type=docker&count=1'))!.body as Record<string, any[]>;
  assert.deepEqual(Object.keys(docker), [`${DB_CGROUP}/c-db`]);
  assert.ok(Math.abs(docker[`${DB_CGROUP}/c-db`][0].cpu_inst.usage.total - 1.1e9) < 1);
});

test('v2.0 spec, machine, attributes and version', () => {
  const source = fakeSource();
  const spec = cadvisorRequest(source, '/api/v2.0/spec/c-nginx', q('type=docker'))!.body as Record<string, any>;
  assert.deepEqual(spec[`${WEB_CGROUP}/c-nginx`].aliases, ['c-nginx']);
  assert.equal(spec[`${WEB_CGROUP}/c-nginx`].image, 'localhost/nginx:1');
  assert.equal((cadvisorRequest(source, '/api/v2.0/machine', q())!.body as any).num_cores, 2);
  assert.equal((cadvisorRequest(source, '/api/v2.0/attributes', q())!.body as any).kernel_version, '6.1.0-test');
  assert.equal(cadvisorRequest(source, '/api/v2.0/version', q())!.body, 'berth');
});

test('errors name the problem; other paths are not the API', () => {
  const source = fakeSource();
  assert.deepEqual(cadvisorRequest(source, '/api/v1.3/containers/nope', q()), { code: 404, body: 'unknown container "/nope"' });
  assert.deepEqual(cadvisorRequest(source, '/api/v2.0/stats/', q('type=rkt')), { code: 400, body: `unknown 'type' "rkt"` });
  assert.deepEqual(cadvisorRequest(source, '/api/v2.0/stats/', q('count=-1')), { code: 400, body: "failed to parse 'count' option: -1" });
  assert.deepEqual(cadvisorRequest(source, '/api/v2.0/stats/nginx', q('type=docker')), { code: 404, body: 'unknown container "/nginx"' });
  assert.equal(cadvisorRequest(source, '/api/v2.0/bogus', q())!.code, 404);
  assert.equal(cadvisorRequest(source, '/api/ui/node', q()), undefined);
  assert.equal(cadvisorRequest(source, '/pods', q()), undefined);
});

test('cpuLimitsOf sums a pod only when every container has the value', () => {
  const pods = fakeSource().pods();
  const web = refs.find((r) => r.id === WEB_CGROUP)!;
  assert.deepEqual(cpuLimitsOf(web, pods), { requestMilli: 350, limitMilli: 600 });
  assert.deepEqual(cpuLimitsOf(refs.find((r) => r.id === 'c-nginx')!, pods), { requestMilli: 250, limitMilli: 500 });
  assert.deepEqual(cpuLimitsOf(refs.find((r) => r.id === 'c-db')!, pods), { requestMilli: undefined, limitMilli: undefined });
  assert.equal(cpuLimitsOf(refs[0], pods), undefined);
});
