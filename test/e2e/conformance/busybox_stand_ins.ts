// Busybox stand-ins for the agnhost servers upstream's node cases run, and upstream's
// RunLivenessTest: what container_probe, lifecycle_hook and kubelet ports share.
//
// The HTTP stand-in is busybox `nc -ll -e`: one handler process per connection, which logs the
// request line to the container's stderr (so `kubectl logs` shows `GET /echo?msg=poststart
// HTTP/1.1`, as netexec's log does) and answers. In `liveness` mode /healthz answers 200 for the
// first 10 s of the container and 500 after, as agnhost's `liveness` server does; every other
// path (and every path in `echo` mode) answers 200, as agnhost's test-webserver and netexec do.
// The listening socket stays open throughout, which the tcpSocket cases rely on.
import assert from 'node:assert/strict';
import { BUSYBOX, type Framework, type Json } from './framework.ts';

// No `$(` anywhere: the kubelet expands $(VAR) in command and args before the shell sees them.
const HANDLER = [
  '#!/bin/sh',
  'read -r method path rest',
  'echo "$method $path $rest" >&2',
  'code="200 OK"',
  'if [ -f /srv/liveness ]; then',
  '  case "$path" in /healthz*)',
  '    now=`date +%s`; start=`cat /srv/start`; age=`expr $now - $start`',
  '    [ "$age" -gt 10 ] && code="500 Internal Server Error";;',
  '  esac',
  'fi',
  'printf "HTTP/1.0 %s\\r\\nContent-Length: 2\\r\\nConnection: close\\r\\n\\r\\nok" "$code"',
].join('\n');

/** A container serving HTTP on each port with the stand-in handler. */
export function httpServerContainer(name: string, ports: number[], mode: 'echo' | 'liveness' = 'echo', extra: Json = {}): Json {
  const listeners = ports.map((p, i) => `${i === ports.length - 1 ? 'exec ' : ''}nc -ll -p ${p} -e /srv/h.sh${i === ports.length - 1 ? '' : ' &'}`);
  const script = [
    'mkdir -p /srv',
    'date +%s > /srv/start',
    mode === 'liveness' ? 'touch /srv/liveness' : ':',
    `cat > /srv/h.sh <<'EOF'\n${HANDLER}\nEOF`,
    'chmod +x /srv/h.sh',
    ...listeners,
  ].join('\n');
  return { name, image: BUSYBOX, command: ['sh', '-c', script], ports: ports.map((containerPort) => ({ containerPort })), ...extra };
}

/** A pod of the given containers, restartPolicy Always (upstream's default) unless spec says otherwise. */
export function podOf(name: string, containers: Json[], spec: Json = {}, meta: Json = {}): Json {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, ...meta },
    spec: { terminationGracePeriodSeconds: 1, ...spec, containers },
  };
}

const statusOf = (pod: Json, container: string): Json =>
  [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])].find((s: Json) => s.name === container);

/**
 * Upstream's runLivenessTest: create the pod, wait until the container has left Waiting, then
 * watch its restart count (every 2 s, as upstream) until `expect` restarts were seen or
 * `timeoutMs` passed. It must never go down; with expect 0 no restart may be seen in the window.
 */
export async function runLivenessTest(f: Framework, pod: Json, expect: number, timeoutMs: number, container = pod.spec.containers[0].name): Promise<Json> {
  await f.create(pod);
  const name = pod.metadata.name;
  let p = await f.waitPod(name, 'container not waiting', (x) => {
    const s = statusOf(x, container)?.state;
    return s?.running || s?.terminated;
  }, 60_000);
  const initial = statusOf(p, container).restartCount as number;
  let last = initial;
  let observed = 0;
  const deadline = Date.now() + timeoutMs + initial * 10_000;
  while (Date.now() < deadline) {
    p = await f.pod(name);
    const count = statusOf(p, container)?.restartCount as number;
    assert.ok(count >= last, `restart count of ${name} went from ${last} to ${count}`);
    last = count;
    observed = count - initial;
    if (expect > 0 && observed >= expect) break;
    await new Promise((r) => setTimeout(r, 2000));
  }
  if (expect === 0) assert.equal(observed, 0, `${name}: expected no restarts, saw ${observed}; status ${JSON.stringify(p.status)}`);
  else assert.ok(observed >= expect, `${name}: expected ${expect} restarts, saw ${observed}; status ${JSON.stringify(p.status)}`);
  return p;
}

/** Deletes a case's pod without waiting (the cluster goes with the file); a short grace period. */
export async function cleanup(f: Framework, ...names: string[]): Promise<void> {
  await f.kubectlResult('delete', 'pod', ...names, '--wait=false', '--grace-period=1');
}

export { statusOf };
