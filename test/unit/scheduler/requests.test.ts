import { test } from 'node:test';
import assert from 'node:assert/strict';
import { podRequests, defaultMilliCpuRequest, defaultMemoryRequest } from '../../../src/api/scheduling/requests.ts';
import { pod } from './helpers.ts';

const c = (name: string, requests: Record<string, string>, extra: Record<string, unknown> = {}) => ({ name, image: 'x', resources: { requests }, ...extra });

test('app containers add up', () => {
  const p = pod('p', { spec: { containers: [c('a', { cpu: '100m', memory: '1Mi' }), c('b', { cpu: '250m' })] } });
  const r = podRequests(p);
  assert.equal(r.get('cpu'), 350);
  assert.equal(r.get('memory'), 1024 * 1024);
});

test('init containers count as the largest one when it exceeds the app containers', () => {
  const p = pod('p', { spec: { containers: [c('a', { cpu: '100m' })], initContainers: [c('i1', { cpu: '500m' }), c('i2', { cpu: '200m' })] } });
  assert.equal(podRequests(p).get('cpu'), 500);
  const small = pod('p', { spec: { containers: [c('a', { cpu: '600m' })], initContainers: [c('i1', { cpu: '500m' })] } });
  assert.equal(podRequests(small).get('cpu'), 600);
});

test('sidecars (restartable init containers) add to the app containers and to later init containers', () => {
  const p = pod('p', {
    spec: {
      containers: [c('a', { cpu: '100m' })],
      initContainers: [c('side', { cpu: '200m' }, { restartPolicy: 'Always' }), c('late', { cpu: '250m' })],
    },
  });
  // app total: 100 + 200 (sidecar) = 300; init peak: 250 + 200 (sidecar running) = 450
  assert.equal(podRequests(p).get('cpu'), 450);
});

test('overhead comes on top', () => {
  const p = pod('p', { cpu: '100m', spec: { overhead: { cpu: '50m', memory: '10Mi' } } });
  assert.equal(podRequests(p).get('cpu'), 150);
  assert.equal(podRequests(p).get('memory'), 10 * 1024 * 1024);
});

test('non-zero requests substitute the scoring defaults', () => {
  const r = podRequests(pod('p'), true);
  assert.equal(r.get('cpu'), defaultMilliCpuRequest);
  assert.equal(r.get('memory'), defaultMemoryRequest);
  assert.equal(podRequests(pod('p')).get('cpu'), undefined);
});
