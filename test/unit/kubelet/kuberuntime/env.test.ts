// Container environment: envFrom, valueFrom, $(VAR) expansion in env, command and args, and a
// missing source as CreateContainerConfigError through syncPod.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { expandSubPathExpr, expandVars } from '../../../../src/kubelet/container/expansion.ts';
import { EnvError, makeEnvironment, type EnvContext } from '../../../../src/kubelet/kuberuntime/env.ts';
import { container, harness, newest, pod } from './helpers.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');
const ctx: EnvContext = { podIPs: ['10.0.0.5'], hostIPs: ['192.168.1.10'], nodeName: 'node-1', nodeAllocatable: { cpu: '4', memory: '8Gi' } };

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

  test('subPathExpr expansion fails on every variable that is unset or empty, as upstream', () => {
    const env = new Map([['POD', 'web'], ['EMPTY', '']]);
    assert.equal(expandSubPathExpr('logs/$(POD)/$$(POD)', env), 'logs/web/$(POD)');
    assert.throws(() => expandSubPathExpr('$(POD)/$(NOPE)/$(EMPTY)', env), { message: 'missing value for EMPTY, NOPE' });
  });

  test('envFrom takes every key that is a valid name (data-1, with a prefix too) and reports the ones skipped', async () => {
    const h = harness();
    h.configMaps.set('default/cm', { data: { 'data-1': 'value-1', 'data-2': 'value-2', '1bad': 'x', 'has space': 'y' } });
    h.secrets.set('default/sec', { data: { 'data-1': b64('s1'), 'bad=key': b64('z') } });
    const c = container('a', {
      envFrom: [{ configMapRef: { name: 'cm' } }, { configMapRef: { name: 'cm' }, prefix: 'p-' }, { secretRef: { name: 'sec' }, prefix: 's.' }],
    });
    const r = await h.sync(pod('envfrom', [c]));
    assert.deepEqual(r.started, ['a']);
    const envs = Object.fromEntries(newest(h.cri, 'a').config.envs!.map((e) => [e.key, e.value]));
    assert.deepEqual(envs, { 'data-1': 'value-1', 'data-2': 'value-2', 'p-data-1': 'value-1', 'p-data-2': 'value-2', 'p-1bad': 'x', 's.data-1': 's1' });
    assert.deepEqual(h.events.filter((e) => e.reason === 'InvalidEnvironmentVariableNames').map((e) => [e.type, e.message, e.fieldPath]), [
      ['Warning', 'Keys [1bad, has space] from the EnvFrom configMap default/cm were skipped since they are considered invalid environment variable names.', undefined],
      ['Warning', 'Keys [p-has space] from the EnvFrom configMap default/cm were skipped since they are considered invalid environment variable names.', undefined],
      ['Warning', 'Keys [s.bad=key] from the EnvFrom secret default/sec were skipped since they are considered invalid environment variable names.', undefined],
    ]);
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

  test('mounts see the whole environment, and a mount that cannot be made is CreateContainerConfigError', async () => {
    const h = harness();
    h.configMaps.set('default/cm', { data: { DIR: 'from-cm' } });
    let seen: ReadonlyMap<string, string> | undefined;
    h.deps.mounts = async (_pod, _c, _ips, env) => {
      seen = env;
      throw new Error("unable to provision SubPath `../etc`: must not contain '..'");
    };
    const c = container('a', {
      envFrom: [{ configMapRef: { name: 'cm' } }],
      env: [{ name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } }],
      volumeMounts: [{ name: 'v', mountPath: '/v', subPathExpr: '$(DIR)' }],
    });
    const r = await h.sync(pod('subpath', [c]));
    assert.deepEqual(r.waiting.a, { reason: 'CreateContainerConfigError', message: "unable to provision SubPath `../etc`: must not contain '..'" });
    assert.deepEqual(Object.fromEntries(seen ?? []), { DIR: 'from-cm', CPU: '4' });
    assert.equal(h.cri.callsOf('createContainer').length, 0, 'CreateContainer was never called');
    assert.ok(h.events.some((e) => e.reason === 'Failed' && e.message === "Error: unable to provision SubPath `../etc`: must not contain '..'"));
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
