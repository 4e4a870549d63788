// pods/exec and pods/attach: where the API server sends a request on the kubelet, as upstream's
// streamLocation and streamParams.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod } from '../../../src/api/core/index.ts';
import { streamLocation } from '../../../src/apiserver/kubeletstream.ts';

const pod = (containers: string[], nodeName?: string): Pod => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'team' },
  spec: { nodeName, containers: containers.map((name) => ({ name, image: 'busybox' })) },
});

describe('streamLocation', () => {
  it('names the container, sends the streams as "1" and the command in order', () => {
    const q = new URLSearchParams('command=sh&command=-c&command=echo%20hi&container=main&stdin=true&stdout=true&stderr=false&tty=true');
    assert.equal(streamLocation(pod(['main', 'side'], 'n1'), 'exec', q), '/exec/team/web/main?stdin=1&stdout=1&tty=1&command=sh&command=-c&command=echo+hi');
  });

  it('takes the pod\'s only container, and attach carries no command', () => {
    assert.equal(streamLocation(pod(['main'], 'n1'), 'attach', new URLSearchParams('stdout=1&command=x')), '/attach/team/web/main?stdout=1');
  });

  it('reads booleans as upstream\'s conversion: false only for "0" or "false"', () => {
    assert.equal(streamLocation(pod(['a'], 'n1'), 'attach', new URLSearchParams('stdin=yes&stdout=0&stderr=False&tty=')), '/attach/team/web/a?stdin=1&tty=1');
  });

  it('refuses as upstream: no container among several, an unknown one, no host', () => {
    assert.throws(() => streamLocation(pod(['a', 'b'], 'n1'), 'exec', new URLSearchParams()), { code: 400, message: /a container name must be specified for pod web, choose one of: \[a b\]/ });
    assert.throws(() => streamLocation(pod(['a'], 'n1'), 'exec', new URLSearchParams('container=z')), { code: 400, message: 'container z is not valid for pod web' });
    assert.throws(() => streamLocation(pod(['a']), 'exec', new URLSearchParams()), { code: 400, message: 'pod web does not have a host assigned' });
  });
});
