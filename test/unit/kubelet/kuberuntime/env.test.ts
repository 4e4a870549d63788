// Container environment: envFrom, valueFrom, $(VAR) expansion in env, command and args, and a
// missing source as CreateContainerConfigError through syncPod.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EnvError, expandVars, makeEnvironment, type EnvContext } from '../../../../src/kubelet/kuberuntime/env.ts';
import { container, harness, newest, pod } from './helpers.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const ctx: EnvContext = { podIPs: ['10.0.0.5'], hostIPs: ['192.168.1.10'], nodeName: 'node-1', nodeAllocatable: { cpuMilli: 4000, memoryBytes: 8 * 1024 ** 3 } };

describe('env', () => {
  test('$(VAR) expansion as upstream: defined replaced, $$ escapes, undefined and unclosed stay', () => {
    const vars: Record<string, string> = { A: 'x', B: 'y' };
    const look = (n: string) => vars[n];
    assert.equal(expandVars('$(A)-$(B)', look), 'x-y');
    assert.equal(expandVars('$$(A)', look), '$(A)');
    assert.equal(expandVars('$(C)', look), '$(C)');
    assert.equal(expandVars('$(A', look), '$(A');
    assert.equal(expandVars('a$b$', look), 'a$b$');
    assert.equal(expandVars('$()', look), '$()');
  });

  test('envFrom, values, field, resource, configmap and secret refs, in definition order', async () => {
    const p = pod('envp', [container('a', {
      envFrom: [{ configMapRef: { name: 'cfg' }, prefix: 'CFG_' }, { secretRef: { name: 'missing', optional: true } }],
      env: [
        { name: 'HOST', value: 'h' },
        { name: 'URL', value: 'http://$(HOST):$(CFG_port)/$(NOPE)' },
        { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
        { name: 'LBL', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
        { name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
        { name: 'MEM_MI', valueFrom: { resourceFieldRef: { resource: 'requests.memory', divisor: '1Mi' } } },
        { name: 'PASS', valueFrom: { secretKeyRef: { name: 'sec', key: 'password' } } },
        { name: 'OPT', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'nokey', optional: true } } },
      ],
      resources: { requests: { memory: '64Mi', cpu: '250m' } },
    })]);
    p.metadata.labels = { app: 'web' };
    const env = await makeEnvironment(p, p.spec.containers[0], {
      getConfigMap: async (_ns, n) => (n === 'cfg' ? { data: { port: '8080', 'bad-name!': 'x' } } : undefined),
      getSecret: async (_ns, n) => (n === 'sec' ? { data: { password: b64('hunter2') } } : undefined),
    }, ctx);
    assert.deepEqual(env, [
      { name: 'CFG_port', value: '8080' },
      { name: 'HOST', value: 'h' },
      { name: 'URL', value: 'http://h:8080/$(NOPE)' },
      { name: 'POD', value: 'envp' },
      { name: 'IP', value: '10.0.0.5' },
      { name: 'LBL', value: 'web' },
      { name: 'CPU', value: '4' },
      { name: 'MEM_MI', value: '64' },
      { name: 'PASS', value: 'hunter2' },
    ]);
  });

  test('a missing key or object that is not optional is an error with upstream text', async () => {
    const c = container('a', { env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'k' } } }] });
    const p = pod('e', [c]);
    await assert.rejects(makeEnvironment(p, c, { getConfigMap: async () => ({ data: {} }), getSecret: async () => undefined }, ctx),
      (e: Error) => e instanceof EnvError && e.message === "couldn't find key k in ConfigMap default/cfg");
    await assert.rejects(makeEnvironment(p, c, { getConfigMap: async () => undefined, getSecret: async () => undefined }, ctx),
      (e: Error) => e.message === 'configmap "cfg" not found');
  });

  test('syncPod expands command and args, and a missing secret is CreateContainerConfigError', async () => {
    const h = harness();
    const good = container('good', { command: ['sh', '-c'], args: ['echo $(GREETING) $$(HOME)'], env: [{ name: 'GREETING', value: 'hi' }] });
    const bad = container('bad', { env: [{ name: 'S', valueFrom: { secretKeyRef: { name: 'nope', key: 'k' } } }] });
    const r = await h.sync(pod('cfgerr', [good, bad]));
    assert.deepEqual(r.started, ['good']);
    assert.deepEqual(r.waiting.bad, { reason: 'CreateContainerConfigError', message: 'secret "nope" not found' });
    assert.deepEqual(newest(h.cri, 'good').config.args, ['echo hi $(HOME)']);
    assert.deepEqual(newest(h.cri, 'good').config.envs, [{ key: 'GREETING', value: 'hi' }]);
    assert.ok(h.events.some((e) => e.reason === 'Failed' && e.message === 'Error: secret "nope" not found' && e.fieldPath === 'spec.containers{bad}'));
    h.secrets.set('default/nope', { data: { k: b64('v') } });
    assert.deepEqual((await h.sync(pod('cfgerr', [good, bad]))).started, ['bad'], 'retried on the next sync');
  });

  test('syncPod reports ErrImagePull, then ImagePullBackOff, and ErrImageNeverPull', async () => {
    const h = harness();
    const p = pod('img', [container('a', { image: 'localhost/nothere:1' }), container('b', { image: 'localhost/nothere:2', imagePullPolicy: 'Never' })]);
    const r1 = await h.sync(p);
    assert.equal(r1.waiting.a?.reason, 'ErrImagePull');
    assert.equal(r1.waiting.b?.reason, 'ErrImageNeverPull');
    const r2 = await h.sync(p);
    assert.equal(r2.waiting.a?.reason, 'ImagePullBackOff');
    await h.clock.advance(10_000);
    h.cri.registry.set('localhost/nothere:1', { size: 5 });
    const r3 = await h.sync(p);
    assert.ok(r3.started.includes('a'));
  });
});
