// What the storage conformance files (configmap_volume, secrets_volume, downwardapi_volume,
// empty_dir, projected_*, host_path, subpath) share: a busybox stand-in for agnhost's `mounttest`
// that prints the same lines, the ConfigMap/Secret/pod builders upstream's helpers make, and the
// moves several cases repeat (poll a container's log, replace an object, the optional-update case).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { BUSYBOX, NAMESPACE, shellPod, startConformance, uniqueName, type Framework, type Json } from './framework.ts';

// Go's os.FileMode.String() for a path (following links, as os.Stat does): type and special bits
// in Go's order (d, u, g, t), then rwxrwxrwx. busybox ash does the bit arithmetic; 0-prefixed
// constants are octal.
const GO_MODE_SH = `gomode() {
  m=$(( 0x$(stat -L -c %f "$1") )); s=
  [ $(( m & 0170000 )) -eq $(( 0040000 )) ] && s=d
  [ $(( m & 04000 )) -ne 0 ] && s=\${s}u
  [ $(( m & 02000 )) -ne 0 ] && s=\${s}g
  [ $(( m & 01000 )) -ne 0 ] && s=\${s}t
  [ -z "$s" ] && s=-
  echo "$s$(rwx $m)"
}
rwx() {
  p=; i=8
  for c in r w x r w x r w x; do
    if [ $(( $1 & (1 << i) )) -ne 0 ]; then p=$p$c; else p=$p-; fi
    i=$(( i - 1 ))
  done
  echo "$p"
}
content() {
  if c=$(cat "$1" 2>/dev/null); then echo "content of file \\"$1\\": $c"; else echo "Error reading file $1: open $1: no such file or directory, retrying"; return 1; fi
}
`;

/**
 * agnhost `mounttest` in busybox sh: takes upstream's flags and prints upstream's lines —
 * `mount type of "P": tmpfs`, `perms of file "P": -rw-r--r--` (Go's FileMode.Perm()),
 * `mode of file "P": -rw-r--r--` (Go's FileMode), `content of file "P": ...`, and for
 * --file_content_in_loop one content (or `Error reading file P`) line a second for --retry_time seconds,
 * stopping at the first good read unless --break_on_expected_content=false.
 * --new_file_0644 (0666, 0660, 0777) writes "mount-tester new file" with that mode and prints its
 * content line, as agnhost.
 */
export function mounttest(...flags: string[]): string[] {
  return ['sh', '-c', mounttestScript(...flags)];
}

function mounttestScript(...flags: string[]): string {
  let retry = 180;
  let breakOnContent = true;
  const steps: string[] = [];
  const loops: string[] = [];
  for (const flag of flags) {
    const [k, v] = flag.replace(/^--/, '').split('=');
    if (k === 'fs_type') steps.push(`echo "mount type of \\"${v}\\": $(stat -f -c %T ${v})"`);
    else if (k.startsWith('new_file_')) steps.push(`echo "mount-tester new file" > ${v} && chmod ${k.slice('new_file_'.length)} ${v} && content ${v}`);
    else if (k === 'file_perm') steps.push(`echo "perms of file \\"${v}\\": -$(rwx $(( 0x$(stat -L -c %f ${v}) )))"`);
    else if (k === 'file_mode') steps.push(`echo "mode of file \\"${v}\\": $(gomode ${v})"`);
    else if (k === 'file_content') steps.push(`content ${v}`);
    else if (k === 'file_content_in_loop') loops.push(v);
    else if (k === 'retry_time') retry = Number(v);
    else if (k === 'break_on_expected_content') breakOnContent = v !== 'false';
    else throw new Error(`mounttest: unsupported flag ${flag}`);
  }
  // Like agnhost, the loop ends after --retry_time; TERM ends it at once (pods are deleted when done).
  if (loops.length) steps.push(`trap "exit 0" TERM; i=0; while [ $i -lt ${retry} ]; do ${loops.map((p) => (breakOnContent ? `content ${p} && break;` : `content ${p};`)).join(' ')} sleep 1 & wait; i=$((i+1)); done`);
  return GO_MODE_SH + steps.join('\n');
}

/** os.FileMode(mode).String() for a plain file, as upstream's expected strings have it. */
export function goFileMode(mode: number): string {
  return '-' + [...'rwxrwxrwx'].map((c, i) => (mode & (1 << (8 - i)) ? c : '-')).join('');
}

/** Upstream's getFileModeRegex (Linux side: 0644 unless a mask is given; Windows side kept). */
export function fileModeRegex(path: string, mask?: number): RegExp {
  return new RegExp(`(mode of file "${path}": ${goFileMode(mask ?? 0o644)}|mode of Windows file "${path}": ${goFileMode(mask ?? 0o775)})`);
}

/** A pod of one container named as upstream's NewAgnhostPod's, running `mounttest` with flags. */
export function mounttestPod(name: string, volumes: Json[], mounts: Json[], ...flags: string[]): Json {
  return shellPod(name, mounttestScript(...flags), { volumes }, { name: 'agnhost-container', volumeMounts: mounts });
}

/** A busybox container running `mounttest` with flags. */
export function mounttestContainer(name: string, mounts: Json[], ...flags: string[]): Json {
  return { name, image: BUSYBOX, command: mounttest(...flags), volumeMounts: mounts };
}

type DataKind = 'ConfigMap' | 'Secret';

/** upstream's newConfigMap data. */
export const CONFIGMAP_DATA = { 'data-1': 'value-1', 'data-2': 'value-2', 'data-3': 'value-3' };

/** upstream's secretForTest data. */
export const SECRET_DATA = { 'data-1': 'value-1\n', 'data-2': 'value-2\n', 'data-3': 'value-3\n' };

/** A ConfigMap or Secret with string data (a Secret's base64-encoded, as the client sends it). */
export function dataObject(kind: DataKind, name: string, data: Record<string, string>, namespace = NAMESPACE): Json {
  const encoded = kind === 'Secret' ? Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')])) : data;
  return { apiVersion: 'v1', kind, metadata: { name, namespace }, data: encoded };
}

function objectPath(kind: string, name: string, namespace = NAMESPACE): string {
  return `/api/v1/namespaces/${namespace}/${kind.toLowerCase()}s/${name}`;
}

/** PUT of the whole object (no resourceVersion: upstream forces the update the same way). */
export async function replaceObject(f: Framework, obj: Json): Promise<{ status: number; body: Json }> {
  const r = await f.api.request('PUT', objectPath(obj.kind, obj.metadata.name, obj.metadata.namespace), obj);
  return { status: r.status, body: r.text ? r.json() : undefined };
}

export async function deleteObject(f: Framework, kind: string, name: string): Promise<void> {
  const r = await f.api.request('DELETE', objectPath(kind, name));
  assert.ok(r.status === 200 || r.status === 202, `DELETE ${kind} ${name}: ${r.status} ${r.text}`);
}

/** Gets a pod, changes it and PUTs it back (upstream's podClient.Update). */
export async function updatePod(f: Framework, name: string, change: (pod: Json) => void): Promise<void> {
  const pod = await f.pod(name);
  change(pod);
  const r = await f.api.request('PUT', `/api/v1/namespaces/${NAMESPACE}/pods/${name}`, pod);
  assert.equal(r.status, 200, `PUT pod ${name}: ${r.text}`);
}

/**
 * Polls a container's log through the API until it contains `expected` (upstream's
 * Eventually(GetPodLogs).Should(ContainSubstring)); each poll is one request, not a kubectl process.
 */
export async function waitForLog(f: Framework, pod: string, container: string, expected: string, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const r = await f.api.request('GET', `/api/v1/namespaces/${NAMESPACE}/pods/${pod}/log?container=${container}`);
    if (r.status === 200) {
      last = r.text;
      if (last.includes(expected)) return last;
    }
    if (Date.now() > deadline) assert.fail(`pod ${pod} container ${container}: ${JSON.stringify(expected)} not in the log within ${timeoutMs} ms:\n${last.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * How long a change to a ConfigMap/Secret may take to show in a volume. Upstream waits
 * GetPodSecretUpdateTimeout: 240 s plus the cache TTL. The kubelet sets the volumes up again on
 * each pod sync, and a settled pod is synced every --sync-frequency (60 s) jittered by up to half,
 * so 90 s, plus the 5 s object cache: 120 s bounds it with room for a busy 2-core machine.
 */
export const VOLUME_UPDATE_TIMEOUT_MS = 120_000;

/** Deletes a pod without waiting (its loop ends on TERM; the cluster goes with the file). */
export async function dropPod(f: Framework, name: string): Promise<void> {
  await f.kubectlResult('delete', 'pod', name, '--wait=false', '--grace-period=1');
}

/**
 * Upstream's "optional updates should be reflected in volume" (ConfigMap, Secret and both
 * projected forms): three optional volumes — one whose object is deleted, one whose object loses
 * data-1 and gains data-3, one whose object is created later — read in a loop by three containers.
 * Names as upstream's: cm-test-opt-del-…, delcm-volume-test, deletecm-volume (s… for a Secret).
 */
export async function optionalUpdatesCase(f: Framework, kind: DataKind, projected: boolean, root: string, podName: string): Promise<void> {
  const p = kind === 'ConfigMap' ? 'cm' : 's';
  const suffix = uniqueName('x').slice(2);
  const names = { del: `${p}-test-opt-del-${suffix}`, upd: `${p}-test-opt-upd-${suffix}`, create: `${p}-test-opt-create-${suffix}` };
  const containers = { del: `del${p}-volume-test`, upd: `upd${p}-volume-test`, create: `create${p}-volume-test` };
  const volumes = { del: `delete${p}-volume`, upd: `update${p}-volume`, create: `create${p}-volume` };
  const source = (name: string): Json => {
    if (projected) return { projected: { sources: [{ [kind === 'ConfigMap' ? 'configMap' : 'secret']: { name, optional: true } }] } };
    return kind === 'ConfigMap' ? { configMap: { name, optional: true } } : { secret: { secretName: name, optional: true } };
  };
  await f.create(dataObject(kind, names.del, { 'data-1': 'value-1' }));
  await f.create(dataObject(kind, names.upd, { 'data-1': 'value-1' }));
  const retry = `--retry_time=${2 * VOLUME_UPDATE_TIMEOUT_MS / 1000}`;
  const container = (which: 'del' | 'upd' | 'create', sub: string, file: string) =>
    mounttestContainer(containers[which], [{ name: volumes[which], mountPath: `${root}/${sub}`, readOnly: true }], '--break_on_expected_content=false', retry, `--file_content_in_loop=${root}/${sub}/${file}`);
  const pod = shellPod(podName, '', { volumes: (['del', 'upd', 'create'] as const).map((w) => ({ name: volumes[w], ...source(names[w]) })) });
  pod.spec.containers = [container('del', 'delete', 'data-1'), container('upd', 'update', 'data-3'), container('create', 'create', 'data-1')];
  await f.create(pod);
  await f.waitRunningReady(podName);
  const t = VOLUME_UPDATE_TIMEOUT_MS;
  await waitForLog(f, podName, containers.create, `Error reading file ${root}/create/data-1`, t);
  await waitForLog(f, podName, containers.upd, `Error reading file ${root}/update/data-3`, t);
  await waitForLog(f, podName, containers.del, 'value-1', t);

  await deleteObject(f, kind, names.del);
  const r = await replaceObject(f, dataObject(kind, names.upd, { 'data-3': 'value-3' }));
  assert.equal(r.status, 200, `update ${kind} ${names.upd}: ${JSON.stringify(r.body)}`);
  await f.create(dataObject(kind, names.create, { 'data-1': 'value-1' }));

  await waitForLog(f, podName, containers.create, 'value-1', t);
  await waitForLog(f, podName, containers.upd, 'value-3', t);
  // The delete container logged value-1 before; the error line has to come after the deletion.
  await waitForLog(f, podName, containers.del, `Error reading file ${root}/delete/data-1`, t);
  await dropPod(f, podName);
}

/** upstream's "should be able to mount in a volume regardless of a different secret existing with same name in different namespace". */
export async function secretInOtherNamespaceCase(f: Framework, prefix: string, consume: (secretName: string) => Promise<void>): Promise<void> {
  const namespace2 = uniqueName('secret-namespace');
  await f.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace2 } });
  const secret2Name = uniqueName(prefix);
  await f.create(dataObject('Secret', secret2Name, { this_should_not_match_content_of_other_secret: 'similarly_this_should_not_match_content_of_other_secret\n' }, namespace2));
  await consume(secret2Name);
}

/** Upstream's "updates should be reflected in volume" (ConfigMap and projected ConfigMap). */
export async function updatesCase(f: Framework, o: { cmName: string; podName: string; volume: Json; mountPath: string }): Promise<void> {
  await f.create(dataObject('ConfigMap', o.cmName, { 'data-1': 'value-1' }));
  const pod = mounttestPod(o.podName, [o.volume], [{ name: o.volume.name, mountPath: o.mountPath, readOnly: true }], '--break_on_expected_content=false', `--retry_time=${2 * VOLUME_UPDATE_TIMEOUT_MS / 1000}`, `--file_content_in_loop=${o.mountPath}/data-1`);
  await f.create(pod);
  await f.waitRunningReady(o.podName);
  await waitForLog(f, o.podName, 'agnhost-container', 'value-1', VOLUME_UPDATE_TIMEOUT_MS);
  const r = await replaceObject(f, dataObject('ConfigMap', o.cmName, { 'data-1': 'value-2' }));
  assert.equal(r.status, 200, `update configmap ${o.cmName}: ${JSON.stringify(r.body)}`);
  await waitForLog(f, o.podName, 'agnhost-container', 'value-2', VOLUME_UPDATE_TIMEOUT_MS);
  await dropPod(f, o.podName);
}

/** Upstream's immutability case for a ConfigMap or Secret (API server only). */
export async function immutableCase(f: Framework, kind: DataKind, name: string, data: Record<string, string>): Promise<void> {
  const put = async (obj: Json) => replaceObject(f, obj);
  const get = async () => (await f.api.request('GET', objectPath(kind, name))).json();
  const enc = (v: string) => (kind === 'Secret' ? Buffer.from(v).toString('base64') : v);
  let current = await f.create(dataObject(kind, name, data));
  current.data['data-4'] = enc(kind === 'Secret' ? 'value-4\n' : 'value-4');
  let r = await put(current);
  assert.equal(r.status, 200, `update ${kind} data: ${JSON.stringify(r.body)}`);
  current = r.body;
  current.immutable = true;
  r = await put(current);
  assert.equal(r.status, 200, `mark ${kind} immutable: ${JSON.stringify(r.body)}`);
  current = r.body;
  current.data['data-5'] = enc(kind === 'Secret' ? 'value-5\n' : 'value-5');
  r = await put(current);
  assert.equal(r.body?.reason, 'Invalid', `expected 'invalid' as error changing data, got ${r.status} ${JSON.stringify(r.body)}`);
  current = await get();
  assert.equal(current.immutable, true, `${kind} ${name} can be switched from immutable to mutable`);
  current.immutable = false;
  r = await put(current);
  assert.equal(r.body?.reason, 'Invalid', `expected 'invalid' as error unsetting immutable, got ${r.status} ${JSON.stringify(r.body)}`);
  current = await get();
  current.metadata.labels = { label1: 'value1' };
  r = await put(current);
  assert.equal(r.status, 200, `update ${kind} labels: ${JSON.stringify(r.body)}`);
  const d = await f.api.request('DELETE', objectPath(kind, name));
  assert.equal(d.status, 200, `delete immutable ${kind}: ${d.text}`);
}

/** The items of upstream's downwardAPIVolumeBasePod: pod name and client-container's resources. */
export function downwardAPIItems(): Json[] {
  const res = (path: string, resource: string) => ({ path, resourceFieldRef: { containerName: 'client-container', resource } });
  return [
    { path: 'podname', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } },
    res('cpu_limit', 'limits.cpu'),
    res('cpu_request', 'requests.cpu'),
    res('memory_limit', 'limits.memory'),
    res('memory_request', 'requests.memory'),
  ];
}

/** labels/annotations items, added when the pod has any (applyLabelsAndAnnotationsToDownwardAPIPod). */
export function labelAnnotationItems(labels: Record<string, string>, annotations: Record<string, string>): Json[] {
  const items: Json[] = [];
  if (Object.keys(labels).length) items.push({ path: 'labels', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.labels' } });
  if (Object.keys(annotations).length) items.push({ path: 'annotations', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.annotations' } });
  return items;
}

/** A pod with volume "podinfo" (the given source) and one client-container at /etc/podinfo. */
export function podinfoPod(name: string, source: Json, container: Json, meta: Json = {}): Json {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, ...meta },
    spec: {
      restartPolicy: 'Never',
      terminationGracePeriodSeconds: 1,
      volumes: [{ name: 'podinfo', ...source }],
      containers: [{ name: 'client-container', image: BUSYBOX, volumeMounts: [{ name: 'podinfo', mountPath: '/etc/podinfo' }], ...container }],
    },
  };
}

/** upstream's downwardAPIVolumeBaseContainers resources: requests 250m/32Mi, limits 1250m/128Mi. */
export const DOWNWARD_RESOURCES = { requests: { cpu: '250m', memory: '32Mi' }, limits: { cpu: '1250m', memory: '128Mi' } };

/**
 * The cases downwardapi_volume.go and projected_downwardapi.go share, registered under describe
 * name D. Upstream builds some of the projected file's pods with the plain downwardAPI helpers
 * (podname only and the resource cases); `projected` says which use a projected volume there.
 */
export function downwardAPIVolumeCases(D: string, f: Framework, projected: { modes: boolean; updates: boolean }): void {
  const source = (asProjected: boolean, items: Json[], defaultMode?: number): Json => {
    const mode = defaultMode !== undefined ? { defaultMode } : {};
    return asProjected ? { projected: { sources: [{ downwardAPI: { items } }], ...mode } } : { downwardAPI: { items, ...mode } };
  };
  const simple = (name: string, file: string, resources?: Json) =>
    podinfoPod(name, source(false, downwardAPIItems()), { command: mounttest(`--file_content=${file}`), ...(resources ? { resources } : {}) });
  const output = async (pod: Json, expected: (string | RegExp)[]) => {
    await f.expectOutput(pod, expected);
  };

  it(`${D} should provide podname only [NodeConformance] [Conformance]`, async () => {
    const podName = uniqueName('downwardapi-volume');
    await output(simple(podName, '/etc/podinfo/podname'), [`${podName}\n`]);
  });

  const modeCase = async (itemMode?: number, defaultMode?: number) => {
    const items = downwardAPIItems();
    if (itemMode !== undefined) items[0].mode = itemMode;
    const pod = podinfoPod(uniqueName('downwardapi-volume'), source(projected.modes, items, defaultMode), { command: mounttest('--file_mode=/etc/podinfo/podname') });
    await output(pod, ['mode of file "/etc/podinfo/podname": -r--------']);
  };
  it(`${D} should set DefaultMode on files [LinuxOnly] [NodeConformance] [Conformance]`, () => modeCase(undefined, 0o400));
  it(`${D} should set mode on item file [LinuxOnly] [NodeConformance] [Conformance]`, () => modeCase(0o400));

  /** The label and annotation cases: the file must follow an update of the pod's metadata. */
  const updateCase = async (podName: string, labels: Record<string, string>, annotations: Record<string, string>, file: string, before: string, change: (pod: Json) => void, after: string) => {
    const items = [...downwardAPIItems(), ...labelAnnotationItems(labels, annotations)];
    const command = mounttest('--break_on_expected_content=false', `--retry_time=${2 * VOLUME_UPDATE_TIMEOUT_MS / 1000}`, `--file_content_in_loop=${file}`);
    await f.create(podinfoPod(podName, source(projected.updates, items), { command }, { labels, annotations }));
    await f.waitRunningReady(podName);
    await waitForLog(f, podName, 'client-container', before, VOLUME_UPDATE_TIMEOUT_MS);
    await updatePod(f, podName, change);
    await waitForLog(f, podName, 'client-container', after, VOLUME_UPDATE_TIMEOUT_MS);
    await dropPod(f, podName);
  };
  it(`${D} should update labels on modification [NodeConformance] [Conformance]`, () =>
    updateCase(uniqueName('labelsupdate'), { key1: 'value1', key2: 'value2' }, {}, '/etc/podinfo/labels', 'key1="value1"\n', (p) => (p.metadata.labels.key3 = 'value3'), 'key3="value3"\n'));
  it(`${D} should update annotations on modification [NodeConformance] [Conformance]`, () =>
    updateCase(uniqueName('annotationupdate'), {}, { builder: 'bar' }, '/etc/podinfo/annotations', 'builder="bar"\n', (p) => (p.metadata.annotations.builder = 'foo'), 'builder="foo"\n'));

  const resourceCase = (file: string, expected: string) => output(simple(uniqueName('downwardapi-volume'), `/etc/podinfo/${file}`, DOWNWARD_RESOURCES), [expected]);
  it(`${D} should provide container's cpu limit [NodeConformance] [Conformance]`, () => resourceCase('cpu_limit', '2\n'));
  it(`${D} should provide container's memory limit [NodeConformance] [Conformance]`, () => resourceCase('memory_limit', '134217728\n'));
  it(`${D} should provide container's cpu request [NodeConformance] [Conformance]`, () => resourceCase('cpu_request', '1\n'));
  it(`${D} should provide container's memory request [NodeConformance] [Conformance]`, () => resourceCase('memory_request', '33554432\n'));

  // The file holds only the number after the `content of file "...":` prefix, which has no digit 1-9.
  const allocatableCase = (file: string) => output(simple(uniqueName('downwardapi-volume'), `/etc/podinfo/${file}`), [/[1-9]/]);
  it(`${D} should provide node allocatable (cpu) as default cpu limit if the limit is not set [NodeConformance] [Conformance]`, () => allocatableCase('cpu_limit'));
  it(`${D} should provide node allocatable (memory) as default memory limit if the limit is not set [NodeConformance] [Conformance]`, () => allocatableCase('memory_limit'));
}
