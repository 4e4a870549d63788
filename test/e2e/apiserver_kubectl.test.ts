// The real kubectl (v1.32) against `berth apiserver`: the everyday verbs on pods, services,
// configmaps and secrets, apply semantics, watches, conflicts, validation and authentication.
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { after, before, describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { startTestApiServer, type TestApiServer } from '../support/apiserver.ts';
import { startEtcd } from '../support/etcd.ts';
import { eventually, kubectl, kubectlOk, kubectlStream } from '../support/kubectl.ts';

const podYaml = (image: string) => `
apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {app: web}
spec:
  containers:
  - name: main
    image: ${image}
    command: ["sleep", "3600"]
    ports:
    - containerPort: 80
      name: http
  - name: side
    image: localhost/busybox:1.35
    command: ["sleep", "3600"]
`;

for (const backend of ['sqlite', 'etcd'] as const) {
describe(`kubectl against berth apiserver (${backend})`, () => {
  let api: TestApiServer;
  let etcd: { endpoint: string; stop(): Promise<void> } | undefined;
  let kc: string;
  const k = (...args: string[]) => kubectlOk(kc, args);

  before(async () => {
    if (backend === 'etcd') etcd = await startEtcd();
    api = await startTestApiServer(etcd ? { storage: 'etcd', etcdServers: [etcd.endpoint], etcdPrefix: `/registry-${process.pid}` } : {});
    kc = api.kubeconfig;
  });
  after(async () => {
    await api?.stop();
    await etcd?.stop();
  });

  it('discovers the API and explains schemas', async () => {
    const resources = await k('api-resources', '--no-headers');
    for (const r of ['pods', 'services', 'leases', 'endpointslices', 'namespaces', 'tokenreviews']) assert.match(resources, new RegExp(`^${r}\\s`, 'm'));
    const explain = await k('explain', 'pod.spec.containers');
    assert.match(explain, /FIELD: containers/);
    assert.match(explain, /image\s+<string>/);
    const namespaces = await k('get', 'namespaces', '-o', 'name');
    for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) assert.match(namespaces, new RegExp(`namespace/${ns}$`, 'm'));
  });

  it('applies a pod, is a no-op the second time, and patches a changed image', async () => {
    assert.match(await kubectlOk(kc, ['apply', '-f', '-'], { input: podYaml('localhost/busybox:1.35') }), /pod\/web created/);
    assert.match(await kubectlOk(kc, ['apply', '-f', '-'], { input: podYaml('localhost/busybox:1.35') }), /pod\/web unchanged/);
    const before = JSON.parse(await k('get', 'pod', 'web', '-o', 'json'));
    assert.match(await kubectlOk(kc, ['apply', '-f', '-'], { input: podYaml('localhost/busybox:1.36') }), /pod\/web configured/);
    const after = JSON.parse(await k('get', 'pod', 'web', '-o', 'json'));
    assert.equal(after.spec.containers[0].image, 'localhost/busybox:1.36');
    assert.equal(after.spec.containers[1].image, 'localhost/busybox:1.35');
    assert.equal(after.metadata.uid, before.metadata.uid);
    assert.ok(Number(after.metadata.resourceVersion) > Number(before.metadata.resourceVersion));
  });

  it('shows pods as a table and as YAML with upstream defaults', async () => {
    const table = await k('get', 'pods');
    assert.match(table, /^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE/m);
    assert.match(table, /^web\s+0\/2\s+Pending\s+0\s+\d+s/m);
    const wide = await k('get', 'pods', '-o', 'wide');
    assert.match(wide, /IP\s+NODE/);
    const pod = parseYaml(await k('get', 'pod', 'web', '-o', 'yaml'));
    assert.equal(pod.spec.restartPolicy, 'Always');
    assert.equal(pod.spec.dnsPolicy, 'ClusterFirst');
    assert.equal(pod.spec.terminationGracePeriodSeconds, 30);
    assert.equal(pod.spec.schedulerName, 'default-scheduler');
    assert.equal(pod.spec.containers[0].imagePullPolicy, 'IfNotPresent');
    assert.equal(pod.status.phase, 'Pending');
    assert.equal(pod.status.qosClass, 'BestEffort');
    const describe = await k('describe', 'pod', 'web');
    assert.match(describe, /Name:\s+web/);
    assert.match(describe, /Containers:/);
  });

  it('labels, annotates and patches with all three patch types', async () => {
    await k('label', 'pod', 'web', 'tier=front');
    await k('annotate', 'pod', 'web', 'note=hello');
    await k('patch', 'pod', 'web', '--type=strategic', '-p', '{"spec":{"containers":[{"name":"side","image":"localhost/busybox:1.37"}]}}');
    await k('patch', 'pod', 'web', '--type=merge', '-p', '{"metadata":{"labels":{"tier":null,"merged":"yes"}}}');
    await k('patch', 'pod', 'web', '--type=json', '-p', '[{"op":"add","path":"/metadata/annotations/json","value":"patched"}]');
    const pod = JSON.parse(await k('get', 'pod', 'web', '-o', 'json'));
    assert.equal(pod.metadata.labels.tier, undefined);
    assert.equal(pod.metadata.labels.merged, 'yes');
    assert.equal(pod.metadata.annotations.note, 'hello');
    assert.equal(pod.metadata.annotations.json, 'patched');
    assert.equal(pod.spec.containers[1].image, 'localhost/busybox:1.37');
    assert.equal(pod.spec.containers[0].image, 'localhost/busybox:1.36');
    assert.deepEqual(
      (await k('get', 'pods', '-l', 'merged=yes', '-o', 'name')).trim(),
      'pod/web',
    );
    assert.equal((await k('get', 'pods', '-l', 'merged!=yes', '-o', 'name')).trim(), '');
  });

  it('rejects a stale update with a conflict', async () => {
    const stale = JSON.parse(await k('get', 'pod', 'web', '-o', 'json'));
    await k('label', 'pod', 'web', 'bump=1');
    stale.metadata.labels.stale = 'yes';
    const r = await kubectl(kc, ['replace', '-f', '-'], { input: JSON.stringify(stale) });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Operation cannot be fulfilled on pods "web": the object has been modified/);
  });

  it('rejects an invalid pod with 422 naming the field, and an unknown field under strict validation', async () => {
    const bad = await kubectl(kc, ['create', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bad' }, spec: { containers: [{ name: 'c' }] } }),
    });
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /Pod "bad" is invalid: spec\.containers\[0\]\.image: Required value/);
    const unknown = await kubectl(kc, ['create', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'typo' }, spec: { containers: [{ name: 'c', image: 'x', imagee: 'y' }] } }),
    });
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /unknown field "spec\.containers\[0\]\.imagee"/);
    const r = await kubectl(kc, ['get', 'pod', 'bad']);
    assert.match(r.stderr, /pods "bad" not found/);
  });

  it('manages services, configmaps and secrets', async () => {
    const apply = (obj: object) => kubectlOk(kc, ['apply', '-f', '-'], { input: JSON.stringify(obj) });
    await apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } });
    const svc = JSON.parse(await k('get', 'service', 'web', '-o', 'json'));
    assert.match(svc.spec.clusterIP, /^10\.9[6-9]\.|^10\.1[01]\d\./);
    assert.equal(svc.spec.ports[0].targetPort, 8080);
    assert.equal(svc.spec.ports[0].protocol, 'TCP');
    assert.match(await k('get', 'services'), /^web\s+ClusterIP\s+10\.\S+\s+<none>\s+80\/TCP/m);
    await apply({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { mode: 'fast' } });
    await apply({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds' }, stringData: { password: 's3cret' } });
    const secret = JSON.parse(await k('get', 'secret', 'creds', '-o', 'json'));
    assert.equal(Buffer.from(secret.data.password, 'base64').toString(), 's3cret');
    assert.match(await k('get', 'configmaps'), /^settings\s+1\s+/m);
    assert.match(await k('get', 'secrets'), /^creds\s+Opaque\s+1\s+/m);
    for (const what of ['service/web', 'configmap/settings', 'secret/creds']) {
      await k('label', what, 'tier=back');
      await k('annotate', what, 'owner=team-a');
      assert.match(await k('describe', what), /tier=back/);
    }
    await k('patch', 'service', 'web', '--type=json', '-p', '[{"op":"replace","path":"/spec/ports/0/port","value":81}]');
    assert.equal(JSON.parse(await k('get', 'service', 'web', '-o', 'json')).spec.ports[0].port, 81);
    await k('patch', 'secret', 'creds', '--type=merge', '-p', '{"stringData":{"user":"admin"}}');
    assert.equal(Buffer.from(JSON.parse(await k('get', 'secret', 'creds', '-o', 'json')).data.user, 'base64').toString(), 'admin');
    assert.match(await k('get', 'configmap', 'settings', '-o', 'yaml'), /owner: team-a/);
    await k('patch', 'configmap', 'settings', '-p', '{"data":{"mode":"slow"}}');
    assert.equal(JSON.parse(await k('get', 'configmap', 'settings', '-o', 'json')).data.mode, 'slow');
    for (const what of ['service/web', 'configmap/settings', 'secret/creds']) await k('delete', what);
    assert.equal((await k('get', 'services,configmaps,secrets', '-o', 'name', '--ignore-not-found')).includes('settings'), false);
  });

  it('streams ADDED, MODIFIED and DELETED to kubectl get -w', async () => {
    const watch = kubectlStream(kc, ['get', 'configmaps', '-w', '--output-watch-events', '-l', 'watched=yes']);
    try {
      await new Promise((r) => setTimeout(r, 1000));
      await kubectlOk(kc, ['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'w1', labels: { watched: 'yes' } }, data: { a: '1' } }) });
      await k('patch', 'configmap', 'w1', '-p', '{"data":{"a":"2"}}');
      await k('delete', 'configmap', 'w1');
      await eventually(() => /DELETED\s+w1/.test(watch.output()), 10_000, 'the DELETED event');
      const out = watch.output();
      assert.match(out, /ADDED\s+w1/);
      assert.match(out, /MODIFIED\s+w1/);
    } finally {
      await watch.stop();
    }
  });

  it('deletes an unbound pod at once and keeps the system namespaces', async () => {
    await k('delete', 'pod', 'web', '--wait=false');
    assert.match((await kubectl(kc, ['get', 'pod', 'web'])).stderr, /not found/);
    const r = await kubectl(kc, ['delete', 'namespace', 'default']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /forbidden/i);
  });

  it('answers 401 to requests without credentials', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${api.url}/api/v1/pods`, { rejectUnauthorized: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 401);
    const health = await new Promise<number>((resolve, reject) => {
      const req = request(`${api.url}/healthz`, { rejectUnauthorized: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(health, 200);
  });

  it('terminates a namespace: contents go first, new content is refused meanwhile', async () => {
    await kubectlOk(kc, ['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'doomed' } }) });
    await eventually(async () => (await k('get', 'serviceaccounts', '-n', 'doomed', '-o', 'name')).includes('serviceaccount/default'), 10_000, 'the default service account');
    assert.match(await k('get', 'configmap', 'kube-root-ca.crt', '-n', 'doomed', '-o', 'jsonpath={.data.ca\\.crt}'), /BEGIN CERTIFICATE/);
    await kubectlOk(kc, ['apply', '-n', 'doomed', '-f', '-'], { input: podYaml('localhost/busybox:1.35') });
    // A pod bound to a node waits for its kubelet, so the namespace stays Terminating meanwhile.
    await kubectlOk(kc, ['apply', '-n', 'doomed', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'bound' }, spec: { nodeName: 'ghost', containers: [{ name: 'c', image: 'localhost/busybox:1.35' }] } }),
    });
    await k('delete', 'namespace', 'doomed', '--wait=false');
    assert.match(await k('get', 'namespace', 'doomed'), /doomed\s+Terminating/);
    await eventually(async () => !(await k('get', 'pods', '-n', 'doomed', '-o', 'name')).includes('pod/web'), 10_000, 'the unbound pod to go');
    const refused = await kubectl(kc, ['create', 'configmap', 'late', '-n', 'doomed']);
    assert.match(refused.stderr, /forbidden: unable to create new content in namespace doomed because it is being terminated/);
    assert.ok(JSON.parse(await k('get', 'pod', 'bound', '-n', 'doomed', '-o', 'json')).metadata.deletionTimestamp);
    await k('delete', 'pod', 'bound', '-n', 'doomed', '--grace-period=0', '--force');
    await k('wait', '--for=delete', 'namespace/doomed', '--timeout=20s');
    const r = await kubectl(kc, ['get', 'namespace', 'doomed']);
    assert.match(r.stderr, /namespaces "doomed" not found/);
    assert.equal((await k('get', 'pods', '-A', '-o', 'name')).includes('web'), false);
  });
});
}
