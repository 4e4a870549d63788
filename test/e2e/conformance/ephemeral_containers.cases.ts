// Port of upstream's test/e2e/common/node/ephemeral_containers.go ("Ephemeral Containers",
// [NodeConformance] [Conformance]). Upstream's podClient.AddEphemeralContainerSync is a strategic
// merge PATCH of pods/ephemeralcontainers followed by a wait for the container to run; its agnhost
// debugger2 is busybox here. Upstream checks the debugger both by exec (`/bin/echo marco` run in
// it must print "marco") and by its log ("polo"), as both cases here do.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventually } from '../../support/kubectl.ts';
import { BUSYBOX, NAMESPACE, type Framework, type Json, conformanceCluster, uniqueName } from './framework.ts';

const D = '[sig-node] Ephemeral Containers [NodeConformance]';
const running = (pod: Json, name: string) => pod.status?.ephemeralContainerStatuses?.find((s: Json) => s.name === name)?.state?.running;

/** The steps both cases share: a running target pod and the "debugger" ephemeral container, running, answering exec and logging "polo". */
async function targetWithDebugger(f: Framework): Promise<string> {
  const name = uniqueName('ephemeral-containers-target-pod');
  await f.create({
    apiVersion: 'v1', kind: 'Pod', metadata: { name },
    spec: { containers: [{ name: 'test-container-1', image: BUSYBOX, command: ['/bin/sleep'], args: ['10000'] }], terminationGracePeriodSeconds: 1 },
  });
  await f.waitRunningReady(name);

  // "adding an ephemeral container"
  const ec = { name: 'debugger', image: BUSYBOX, command: ['/bin/sh', '-c', 'while true; do echo polo; sleep 2; done'], stdin: true, tty: true };
  const patch = JSON.stringify({ spec: { ephemeralContainers: [ec] } });
  const r = await f.api.request('PATCH', subresource(name), patch, { 'Content-Type': 'application/strategic-merge-patch+json' });
  assert.equal(r.status, 200, `Failed to patch ephemeral containers in pod ${name}: ${r.text}`);
  await f.waitPod(name, 'the ephemeral container running', (p) => running(p, 'debugger'), 60_000);

  // "checking pod container endpoints": a command run in the debugger, then its log, read until
  // the first "polo" is there: the container runs before its first line reaches the log.
  const echoed = await f.exec(name, 'debugger', '/bin/echo', 'marco');
  assert.ok(echoed.includes('marco'), `exec of /bin/echo marco in "debugger" printed ${JSON.stringify(echoed)}`);
  await eventually(async () => /polo/.test(await f.logs(name, 'debugger')), 10_000, 'logs of ephemeral container "debugger" to hold "polo"');
  return name;
}

const subresource = (name: string) => `/api/v1/namespaces/${NAMESPACE}/pods/${name}/ephemeralcontainers`;

async function ephemeralContainerCount(f: Framework, name: string): Promise<number> {
  const r = await f.api.request('GET', subresource(name));
  assert.equal(r.status, 200, `can't get ephemeralcontainers: ${r.text}`);
  return (r.json().spec.ephemeralContainers ?? []).length;
}

describe(D, { concurrency: true }, () => {
  const f = conformanceCluster();

  it(`${D} will start an ephemeral container in an existing pod [Conformance]`, async () => {
    const name = await targetWithDebugger(f);
    await f.deletePod(name);
  });

  it(`${D} should update the ephemeral containers in an existing pod [Conformance]`, async () => {
    const name = await targetWithDebugger(f);
    assert.equal(await ephemeralContainerCount(f, name), 1, 'checking ephemeralContainer count');

    // "adding another ephemeralcontainer", by UPDATE of the subresource, retried on conflict.
    for (let attempt = 0; ; attempt++) {
      const pod = await f.pod(name);
      pod.spec.ephemeralContainers.push({ name: 'debugger2', image: BUSYBOX, imagePullPolicy: 'IfNotPresent', terminationMessagePolicy: 'File' });
      const u = await f.api.request('PUT', subresource(name), pod);
      if (u.status === 409 && attempt < 5) continue;
      assert.equal(u.status, 200, `Failed to update ephemeral container: ${u.text}`);
      break;
    }
    assert.equal(await ephemeralContainerCount(f, name), 2, 'checking ephemeralContainer count');
    await f.deletePod(name);
  });
});
