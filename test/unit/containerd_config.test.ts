import { test } from 'node:test';
import assert from 'node:assert/strict';
import { containerdConfig, cniBridgeConfig } from '../../src/containerd/config.ts';
import { socketPathFor } from '../../src/containerd/process.ts';

/** Just enough TOML for what containerdConfig emits: [tables] and `key = scalar` lines. */
function parseToml(text: string): Record<string, Record<string, unknown>> {
  const tables: Record<string, Record<string, unknown>> = { '': {} };
  let current = tables[''];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      assert.ok(!(header[1] in tables), `table ${header[1]} defined twice`);
      current = tables[header[1]] = {};
      continue;
    }
    const kv = /^([A-Za-z_][A-Za-z0-9_]*) = (.+)$/.exec(line);
    assert.ok(kv, `not a key = value line: ${line}`);
    assert.ok(!(kv[1] in current), `key ${kv[1]} set twice`);
    current[kv[1]] = JSON.parse(kv[2]);
  }
  return tables;
}

const base = {
  root: '/tmp/b/root',
  state: '/tmp/b/state',
  address: '/tmp/b/containerd.sock',
  cniConfDir: '/tmp/b/cni',
  sandboxImage: 'localhost/pause:3.10',
  restrictOomScoreAdj: true,
};
const CRI = 'plugins."io.containerd.grpc.v1.cri"';

test('containerdConfig: version 2 with our root, state and sockets', () => {
  const t = parseToml(containerdConfig(base));
  assert.deepEqual(t[''], { version: 2, root: '/tmp/b/root', state: '/tmp/b/state' });
  assert.deepEqual(t.grpc, { address: '/tmp/b/containerd.sock' });
  assert.deepEqual(t.ttrpc, { address: '/tmp/b/containerd.sock.ttrpc' });
  assert.deepEqual(t['plugins."io.containerd.internal.v1.opt"'], { path: '/tmp/b/root/opt' });
});

test('containerdConfig: the CRI plugin settings this machine needs', () => {
  const t = parseToml(containerdConfig(base));
  const cri = t[CRI];
  assert.equal(cri.sandbox_image, 'localhost/pause:3.10');
  assert.equal(cri.restrict_oom_score_adj, true);
  assert.equal(cri.netns_mounts_under_state_dir, true);
  assert.equal(cri.disable_apparmor, true);
  assert.equal(cri.enable_selinux, false);
  assert.equal(t[`${CRI}.containerd`].snapshotter, 'overlayfs');
  assert.equal(t[`${CRI}.containerd`].default_runtime_name, 'runc');
  assert.deepEqual(t[`${CRI}.containerd.runtimes.runc`], { runtime_type: 'io.containerd.runc.v2' });
  assert.deepEqual(t[`${CRI}.containerd.runtimes.runc.options`], { SystemdCgroup: false });
  assert.deepEqual(t[`${CRI}.cni`], { bin_dir: '/usr/lib/cni', conf_dir: '/tmp/b/cni', max_conf_num: 1 });
});

test('containerdConfig: options flow through (oom restriction, snapshotter, cni bin dir, opt dir)', () => {
  const t = parseToml(containerdConfig({
    ...base, restrictOomScoreAdj: false, snapshotter: 'native', cniBinDir: '/opt/cni/bin', optDir: '/x/opt',
  }));
  assert.equal(t[CRI].restrict_oom_score_adj, false);
  assert.equal(t[`${CRI}.containerd`].snapshotter, 'native');
  assert.equal(t[`${CRI}.cni`].bin_dir, '/opt/cni/bin');
  assert.deepEqual(t['plugins."io.containerd.internal.v1.opt"'], { path: '/x/opt' });
});

test('containerdConfig: paths with quotes and backslashes stay valid strings', () => {
  const t = parseToml(containerdConfig({ ...base, root: '/tmp/we"ird\\root' }));
  assert.equal(t[''].root, '/tmp/we"ird\\root');
});

test('cniBridgeConfig: bridge with gateway and masquerade, host-local on the subnet, then portmap', () => {
  const c = JSON.parse(cniBridgeConfig({ name: 'berth', bridge: 'berth0', subnet: '10.244.1.0/24' }));
  assert.equal(c.name, 'berth');
  assert.equal(c.cniVersion, '1.0.0');
  assert.deepEqual(c.plugins.map((p: { type: string }) => p.type), ['bridge', 'portmap']);
  const [bridge, portmap] = c.plugins;
  assert.equal(bridge.bridge, 'berth0');
  assert.equal(bridge.isGateway, true);
  assert.equal(bridge.ipMasq, true);
  assert.deepEqual(bridge.ipam, { type: 'host-local', ranges: [[{ subnet: '10.244.1.0/24' }]], routes: [{ dst: '0.0.0.0/0' }] });
  assert.deepEqual(portmap.capabilities, { portMappings: true });
});

test('cniBridgeConfig: optional gateway, mtu and IPAM data dir', () => {
  const c = JSON.parse(cniBridgeConfig({
    name: 'n', bridge: 'b0', subnet: '10.1.0.0/16', gateway: '10.1.0.1', mtu: 1400, ipamDataDir: '/tmp/ipam',
  }));
  assert.equal(c.plugins[0].mtu, 1400);
  assert.deepEqual(c.plugins[0].ipam.ranges, [[{ subnet: '10.1.0.0/16', gateway: '10.1.0.1' }]]);
  assert.equal(c.plugins[0].ipam.dataDir, '/tmp/ipam');
});

test('socketPathFor: inside the dir when it fits the 108-byte sun_path, else a short stable path', () => {
  assert.equal(socketPathFor('/tmp/berth-x'), '/tmp/berth-x/containerd.sock');
  const long = `/tmp/${'d'.repeat(100)}`;
  const p = socketPathFor(long);
  assert.ok(Buffer.byteLength(`${p}.ttrpc`) <= 107, p);
  assert.equal(socketPathFor(long), p, 'stable for the same dir');
  assert.notEqual(socketPathFor(`${long}2`), p, 'distinct for another dir');
});
