import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FakeClock } from '../../../../src/kubelet/clock.ts';
import { managedHostsFileContent, podHostnameAndDomain, writeEtcHosts } from '../../../../src/kubelet/volume/etc_hosts.ts';
import { makePodDataDirs } from '../../../../src/kubelet/volume/paths.ts';
import { ServiceAccountTokenManager, tokenNeedsRefresh } from '../../../../src/kubelet/volume/token.ts';
import type { Pod } from '../../../../src/api/core/index.ts';
import { FakeObjects, withTempDir } from './fakes.ts';

const header = [
  '# Kubernetes-managed hosts file.',
  '127.0.0.1\tlocalhost',
  '::1\tlocalhost ip6-localhost ip6-loopback',
  'fe00::0\tip6-localnet',
  'fe00::0\tip6-mcastprefix',
  'fe00::1\tip6-allnodes',
  'fe00::2\tip6-allrouters',
].join('\n');

test('managed hosts file: header, pod IP with hostname, then hostAliases', () => {
  assert.equal(
    managedHostsFileContent(['10.200.0.5'], 'hostaliases-pod', '', [
      { ip: '127.0.0.1', hostnames: ['foo.local', 'bar.local'] },
      { ip: '10.1.2.3', hostnames: ['foo.remote', 'bar.remote'] },
    ]),
    `${header}\n10.200.0.5\thostaliases-pod\n\n# Entries added by HostAliases.\n127.0.0.1\tfoo.local\tbar.local\n10.1.2.3\tfoo.remote\tbar.remote\n`,
  );
  assert.equal(managedHostsFileContent(['10.0.0.9'], 'db-0', 'db.prod.svc.cluster.local'), `${header}\n10.0.0.9\tdb-0.db.prod.svc.cluster.local\tdb-0\n`);
});

test('hostname and subdomain FQDN; host-network pods get the node hosts file plus aliases', () =>
  withTempDir(async (root) => {
    const pod: Pod = { metadata: { name: 'x'.repeat(70), namespace: 'prod', uid: 'u1' }, spec: { containers: [], hostname: '', subdomain: 'db' } };
    assert.deepEqual(podHostnameAndDomain(pod, 'cluster.local'), { hostname: 'x'.repeat(63), domain: 'db.prod.svc.cluster.local' });
    await makePodDataDirs(root, 'u1');
    const path = await writeEtcHosts(root, { ...pod, spec: { containers: [], hostname: 'db-0', subdomain: 'db' } }, ['10.0.0.9', 'fd00::9'], { clusterDomain: 'cluster.local' });
    assert.equal(path, join(root, 'pods/u1/etc-hosts'));
    assert.equal(await readFile(path!, 'utf8'), `${header}\n10.0.0.9\tdb-0.db.prod.svc.cluster.local\tdb-0\nfd00::9\tdb-0.db.prod.svc.cluster.local\tdb-0\n`);
    assert.equal(await writeEtcHosts(root, pod, []), undefined);
    const nodeHosts = join(root, 'node-hosts');
    await writeFile(nodeHosts, '127.0.0.1 localhost mynode\n');
    const hostNet: Pod = { metadata: { name: 'h', namespace: 'kube-system', uid: 'u1' }, spec: { containers: [], hostNetwork: true, hostAliases: [{ ip: '1.2.3.4', hostnames: ['a'] }] } };
    await writeEtcHosts(root, hostNet, ['192.168.1.2'], { nodeHostsFile: nodeHosts });
    assert.equal(await readFile(path!, 'utf8'), '127.0.0.1 localhost mynode\n\n# Entries added by HostAliases.\n1.2.3.4\ta\n');
  }));

test('a token is refreshed once 80% of its lifetime has passed, or after 24 hours', () => {
  const exp = new Date(Date.UTC(2026, 0, 1, 1, 0, 0));
  const t = { token: 't', expiration: exp, expirationSeconds: 3600 }; // issued at 00:00
  assert.equal(tokenNeedsRefresh(t, new Date(Date.UTC(2026, 0, 1, 0, 47, 59))), false);
  assert.equal(tokenNeedsRefresh(t, new Date(Date.UTC(2026, 0, 1, 0, 48, 0))), true);
  const long = { token: 't', expiration: new Date(Date.UTC(2026, 0, 3, 0, 0, 0)), expirationSeconds: 48 * 3600 };
  assert.equal(tokenNeedsRefresh(long, new Date(Date.UTC(2026, 0, 1, 23, 59, 0))), false);
  assert.equal(tokenNeedsRefresh(long, new Date(Date.UTC(2026, 0, 2, 0, 0, 0))), true);
});

test('the token manager caches per request, refreshes on time, and keeps a valid token when the API fails', async () => {
  const clock = new FakeClock(Date.UTC(2026, 10, 27, 3, 55, 0));
  const api = new FakeObjects();
  const mgr = new ServiceAccountTokenManager(api, clock);
  const opts = { audiences: ['api'], expirationSeconds: 3600, boundPod: { name: 'p', uid: 'u1' } };
  assert.equal(await mgr.getToken('ns', 'default', opts), 'token-1');
  await clock.advance(47 * 60 * 1000);
  assert.equal(await mgr.getToken('ns', 'default', opts), 'token-1');
  assert.equal(await mgr.getToken('ns', 'default', { ...opts, audiences: ['other'] }), 'token-2');
  await clock.advance(60 * 1000);
  api.failTokens = true;
  assert.equal(await mgr.getToken('ns', 'default', opts), 'token-1');
  api.failTokens = false;
  assert.equal(await mgr.getToken('ns', 'default', opts), 'token-3');
  assert.deepEqual(api.tokenRequests[0], { namespace: 'ns', sa: 'default', opts });
  mgr.forgetPod('u1');
  assert.equal(mgr.size, 0);
});
