// Upstream's test/e2e/common/node/downwardapi.go: pod and container fields as environment variables.
// docs/conformance.md has every case and its status.
import { after, before, describe, it } from 'node:test';
import { BUSYBOX, NAMESPACE, conformanceCluster, uniqueName, type Framework, type Json } from './framework.ts';

// An IPv4 or IPv6 address after the variable name, as upstream's e2enetwork.RegexIPv4|RegexIPv6
// (written more loosely here: the kubelet either fills the variable with an address or leaves it empty).
const IPV4 = '\\d{1,3}(?:\\.\\d{1,3}){3}';
const IPV6 = '[0-9a-fA-F]{0,4}(?::[0-9a-fA-F]{0,4}){2,7}';
const ip = (variable: string) => new RegExp(`${variable}=(?:${IPV4}|${IPV6})`);

const field = (name: string, fieldPath: string): Json => ({ name, valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath } } });
const resource = (name: string, r: string): Json => ({ name, valueFrom: { resourceFieldRef: { resource: r } } });

/** Upstream's testDownwardAPI pod: `env` with requests 250m/32Mi and limits 1250m/64Mi. */
const dapiPod = (name: string, env: Json[], resources: Json | undefined = { requests: { cpu: '250m', memory: '32Mi' }, limits: { cpu: '1250m', memory: '64Mi' } }): Json => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, labels: { name } },
  spec: {
    restartPolicy: 'Never',
    terminationGracePeriodSeconds: 1,
    containers: [{ name: 'dapi-container', image: BUSYBOX, command: ['sh', '-c', 'env'], env, ...(resources ? { resources } : {}) }],
  },
});

describe('[sig-node] Downward API', { concurrency: true }, () => {
  const f = conformanceCluster();

  it('[sig-node] Downward API should provide pod name, namespace and IP address as env vars [NodeConformance] [Conformance]', async () => {
    const name = uniqueName('downward-api');
    await f.expectOutput(dapiPod(name, [field('POD_NAME', 'metadata.name'), field('POD_NAMESPACE', 'metadata.namespace'), field('POD_IP', 'status.podIP')]), [
      `POD_NAME=${name}`,
      `POD_NAMESPACE=${NAMESPACE}`,
      ip('POD_IP'),
    ]);
  });

  it('[sig-node] Downward API should provide host IP as an env var [NodeConformance] [Conformance]', async () => {
    await f.expectOutput(dapiPod(uniqueName('downward-api'), [field('HOST_IP', 'status.hostIP')]), [ip('HOST_IP')]);
  });

  // Release v1.32. Upstream's case, like its text, reads status.hostIP (not hostIPs).
  it('[sig-node] Downward API should provide hostIPs as an env var [NodeConformance] [Conformance]', async () => {
    await f.expectOutput(dapiPod(uniqueName('downward-api'), [field('HOST_IP', 'status.hostIP')]), [ip('HOST_IP')]);
  });

  it("[sig-node] Downward API should provide container's limits.cpu/memory and requests.cpu/memory as env vars [NodeConformance] [Conformance]", async () => {
    await f.expectOutput(
      dapiPod(uniqueName('downward-api'), [resource('CPU_LIMIT', 'limits.cpu'), resource('MEMORY_LIMIT', 'limits.memory'), resource('CPU_REQUEST', 'requests.cpu'), resource('MEMORY_REQUEST', 'requests.memory')]),
      // Upstream's regexps: the divisor 1 rounds 1250m up to 2 and 250m up to 1.
      [/CPU_LIMIT=2/, /MEMORY_LIMIT=67108864/, /CPU_REQUEST=1/, /MEMORY_REQUEST=33554432/],
    );
  });

  it('[sig-node] Downward API should provide default limits.cpu/memory from node allocatable [NodeConformance] [Conformance]', async () => {
    await f.expectOutput(dapiPod(uniqueName('downward-api'), [resource('CPU_LIMIT', 'limits.cpu'), resource('MEMORY_LIMIT', 'limits.memory')], undefined), [/CPU_LIMIT=[1-9]/, /MEMORY_LIMIT=[1-9]/]);
  });

  it('[sig-node] Downward API should provide pod UID as env vars [NodeConformance] [Conformance]', async () => {
    await f.expectOutput(dapiPod(uniqueName('downward-api'), [field('POD_UID', 'metadata.uid')]), [/POD_UID=[a-z0-9]{8}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{12}/]);
  });
});
