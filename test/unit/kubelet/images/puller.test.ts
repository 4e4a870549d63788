// The image manager: pull policies, ErrImagePull then ImagePullBackOff with a doubling
// per-image back-off, pull secrets as CRI auth, and upstream's event messages.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../../../src/kubelet/clock.ts';
import { credentialsFor, imageRegistry } from '../../../../src/kubelet/images/auth.ts';
import { applyDefaultImageTag, ImageManager, type EnsureImageRequest } from '../../../../src/kubelet/images/puller.ts';
import * as grpc from '@grpc/grpc-js';
import { CriError } from '../../../../src/kubelet/runtime/cri/client.ts';
import type { AuthConfig, ImageSpec, In, PodSandboxConfig } from '../../../../src/kubelet/runtime/cri/types.ts';
import { FakeRuntime } from '../../../../src/kubelet/runtime/fake/runtime.ts';

/** A private registry that accepts one user only, and holds each pull until released. */
class OneCredentialRegistry extends FakeRuntime {
  readonly attempts: string[] = [];
  private held: Array<() => void> = [];
  override async pullImage(image: In<ImageSpec>, auth?: In<AuthConfig>, sandboxConfig?: In<PodSandboxConfig>) {
    this.attempts.push(auth?.username || '(anonymous)');
    await new Promise<void>((resolve) => this.held.push(resolve));
    if (auth?.username !== 'alice') {
      throw new CriError('PullImage', grpc.status.UNKNOWN, `failed to pull and unpack image "${image.image}": 401 Unauthorized`);
    }
    return super.pullImage(image, auth, sandboxConfig);
  }
  /** Lets every pull started so far go on. */
  release(): void {
    for (const go of this.held.splice(0)) go();
  }
}

const dockerConfig = (user: string) => ({
  type: 'kubernetes.io/dockerconfigjson',
  data: { '.dockerconfigjson': Buffer.from(JSON.stringify({ auths: { 'registry.example.com': { username: user, password: 'pw' } } })).toString('base64') },
});
const settle = () => new Promise((r) => setTimeout(r, 5));

function setup() {
  const clock = new FakeClock();
  const cri = new FakeRuntime({ now: () => clock.now() });
  const events: string[] = [];
  const secrets = new Map<string, { type: string; data: Record<string, string> }>();
  const images = new ImageManager({ cri, now: () => clock.now(), getSecret: async (ns, n) => secrets.get(`${ns}/${n}`) });
  const req = (image: string, pullPolicy: EnsureImageRequest['pullPolicy'], extra: Partial<EnsureImageRequest> = {}): EnsureImageRequest => ({
    podUid: 'u1', namespace: 'default', image, pullPolicy, record: (type, reason, message) => events.push(`${type} ${reason}: ${message}`), ...extra,
  });
  return { clock, cri, events, secrets, images, req };
}

describe('ImageManager', () => {
  test('IfNotPresent uses a present image without pulling', async () => {
    const s = setup();
    const img = s.cri.addImage('localhost/busybox:1.35');
    const r = await s.images.ensureImageExists(s.req('localhost/busybox:1.35', 'IfNotPresent'));
    assert.deepEqual(r, { ok: true, imageRef: img.id });
    assert.equal(s.cri.callsOf('pullImage').length, 0);
    assert.deepEqual(s.events, ['Normal Pulled: Container image "localhost/busybox:1.35" already present on machine']);
  });

  test('Always pulls even when present, and reports the time and size', async () => {
    const s = setup();
    s.cri.addImage('localhost/app:1');
    s.cri.registry.set('localhost/app:1', { size: 4242 });
    const r = await s.images.ensureImageExists(s.req('localhost/app:1', 'Always'));
    assert.equal(r.ok, true);
    assert.equal(s.cri.callsOf('pullImage').length, 1);
    assert.deepEqual(s.events, [
      'Normal Pulling: Pulling image "localhost/app:1"',
      'Normal Pulled: Successfully pulled image "localhost/app:1" in 0s (0s including waiting). Image size: 1000000 bytes.',
    ]);
  });

  test('Never with a missing image is ErrImageNeverPull', async () => {
    const s = setup();
    const r = await s.images.ensureImageExists(s.req('localhost/absent:1', 'Never'));
    assert.deepEqual(r, { ok: false, reason: 'ErrImageNeverPull', message: 'Container image "localhost/absent:1" is not present with pull policy of Never' });
    assert.equal(s.cri.callsOf('pullImage').length, 0);
  });

  test("gc forgets a pod's pull back-off once it has expired (twice the maximum without a failure)", async () => {
    const s = setup();
    await s.images.ensureImageExists(s.req('localhost/missing:1', 'IfNotPresent'));
    const key = 'u1_localhost/missing:1';
    await s.clock.advance(599_000);
    s.images.gc();
    assert.equal(s.images.backoff.get(key), 10_000, 'kept within twice the maximum');
    await s.clock.advance(2_000);
    s.images.gc();
    assert.equal(s.images.backoff.get(key), 0);
  });

  test('a failing pull is ErrImagePull, then ImagePullBackOff for 10 s, 20 s, 40 s ... up to 300 s', async () => {
    const s = setup();
    const first = await s.images.ensureImageExists(s.req('localhost/missing:1', 'IfNotPresent'));
    assert.equal(first.ok, false);
    assert.equal(!first.ok && first.reason, 'ErrImagePull');
    assert.match(s.events.at(-1)!, /^Warning Failed: Failed to pull image "localhost\/missing:1": failed to pull and unpack image/);
    const schedule: number[] = [];
    let pulls = 1;
    for (let round = 0; round < 7; round++) {
      // Find how long pulls stay in back-off, second by second.
      let waited = 0;
      for (;;) {
        const r = await s.images.ensureImageExists(s.req('localhost/missing:1', 'IfNotPresent'));
        assert.equal(r.ok, false);
        if (!r.ok && r.reason === 'ErrImagePull') break;
        assert.equal(!r.ok && r.reason, 'ImagePullBackOff');
        assert.match(!r.ok ? r.message : '', /^Back-off pulling image "localhost\/missing:1": ErrImagePull: /);
        await s.clock.advance(1000);
        waited++;
      }
      pulls++;
      schedule.push(waited);
    }
    assert.deepEqual(schedule, [10, 20, 40, 80, 160, 300, 300]);
    assert.equal(s.cri.callsOf('pullImage').length, pulls);
    assert.ok(s.events.includes('Normal BackOff: Back-off pulling image "localhost/missing:1"'));
    // Once the registry has it, the next attempt after the back-off succeeds.
    s.cri.registry.set('localhost/missing:1', { size: 10 });
    await s.clock.advance(300_000);
    const ok = await s.images.ensureImageExists(s.req('localhost/missing:1', 'IfNotPresent'));
    assert.equal(ok.ok, true);
  });

  test('pull secrets become CRI auth for the matching registry', async () => {
    const s = setup();
    const cfg = { auths: { 'registry.example.com:5000': { auth: Buffer.from('bob:s3cret').toString('base64') }, 'other.io': { username: 'x', password: 'y' } } };
    s.secrets.set('default/regcred', { type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': Buffer.from(JSON.stringify(cfg)).toString('base64') } });
    s.cri.registry.set('registry.example.com:5000/team/app:2', { size: 1 });
    const r = await s.images.ensureImageExists(s.req('registry.example.com:5000/team/app:2', 'Always', { pullSecretNames: ['regcred', 'missing'] }));
    assert.equal(r.ok, true);
    const auth = s.cri.callsOf('pullImage')[0].args[1] as { username: string; password: string; serverAddress: string };
    assert.deepEqual([auth.username, auth.password, auth.serverAddress], ['bob', 's3cret', '']);
  });

  test("concurrent pulls of one image: each pod's own pull secrets are tried; identical requests share one pull", async () => {
    const cri = new OneCredentialRegistry();
    cri.registry.set('registry.example.com/team/app:1', { size: 7 });
    const secrets: Record<string, ReturnType<typeof dockerConfig>> = { 'default/bob': dockerConfig('bob'), 'default/alice': dockerConfig('alice') };
    const images = new ImageManager({ cri, now: () => new Date(), getSecret: async (ns, n) => secrets[`${ns}/${n}`] });
    const request = (podUid: string, secret: string): EnsureImageRequest => ({
      podUid, namespace: 'default', image: 'registry.example.com/team/app:1', pullPolicy: 'Always', pullSecretNames: [secret], record: () => {},
    });
    const first = images.ensureImageExists(request('pod-1', 'bob'));
    await settle();
    const second = images.ensureImageExists(request('pod-2', 'alice'));
    const third = images.ensureImageExists(request('pod-3', 'alice'));
    await settle();
    cri.release();
    await settle();
    cri.release();
    const [r1, r2, r3] = await Promise.all([first, second, third]);
    assert.equal(r1.ok, false, "bob's credentials are refused");
    assert.equal(!r1.ok && r1.reason, 'ErrImagePull');
    assert.deepEqual([r2.ok, r3.ok], [true, true], `alice's pods: ${JSON.stringify([r2, r3])}`);
    assert.deepEqual([...cri.attempts].sort(), ['alice', 'bob'], 'one pull per set of credentials');
  });

  test('image reference helpers', () => {
    assert.equal(applyDefaultImageTag('busybox'), 'busybox:latest');
    assert.equal(applyDefaultImageTag('localhost:5000/busybox'), 'localhost:5000/busybox:latest');
    assert.equal(applyDefaultImageTag('busybox:1.35'), 'busybox:1.35');
    assert.equal(applyDefaultImageTag('busybox@sha256:abc'), 'busybox@sha256:abc');
    assert.equal(imageRegistry('busybox'), 'docker.io');
    assert.equal(imageRegistry('library/busybox'), 'docker.io');
    assert.equal(imageRegistry('localhost/busybox:1'), 'localhost');
    assert.deepEqual(credentialsFor('nginx', [{ data: { '.dockercfg': Buffer.from(JSON.stringify({ 'https://index.docker.io/v1/': { username: 'u', password: 'p' } })).toString('base64') } }])
      .map((c) => c.username), ['u']);
  });
});
