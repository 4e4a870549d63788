// Pure generators for the files a managed containerd needs: its config.toml (version 2,
// containerd 1.6) and a CNI bridge conflist for the pod subnet.

export interface ContainerdConfigOptions {
  root: string;
  state: string;
  /** The gRPC unix socket path (no unix:// prefix). ttrpc listens next to it. */
  address: string;
  cniConfDir: string;
  cniBinDir?: string;
  sandboxImage: string;
  /** Must be true where the process cannot lower oom_score_adj (see canLowerOomScoreAdj). */
  restrictOomScoreAdj: boolean;
  /** overlayfs unless the filesystem under root cannot host it; then native. */
  snapshotter?: 'overlayfs' | 'native';
  /** Where containerd keeps its "opt" plugin files; defaults under root instead of /opt/containerd. */
  optDir?: string;
}

/** A TOML basic string: JSON's escaping is a subset TOML accepts for these values. */
function tomlString(s: string): string {
  return JSON.stringify(s);
}

export function containerdConfig(opts: ContainerdConfigOptions): string {
  const cri = '[plugins."io.containerd.grpc.v1.cri"';
  const snapshotter = opts.snapshotter ?? 'overlayfs';
  const lines = [
    'version = 2',
    `root = ${tomlString(opts.root)}`,
    `state = ${tomlString(opts.state)}`,
    '',
    '[grpc]',
    `  address = ${tomlString(opts.address)}`,
    '',
    '[ttrpc]',
    `  address = ${tomlString(`${opts.address}.ttrpc`)}`,
    '',
    '[plugins."io.containerd.internal.v1.opt"]',
    `  path = ${tomlString(opts.optDir ?? `${opts.root}/opt`)}`,
    '',
    `${cri}]`,
    `  sandbox_image = ${tomlString(opts.sandboxImage)}`,
    `  restrict_oom_score_adj = ${opts.restrictOomScoreAdj}`,
    // Keep network namespaces under our state dir rather than /var/run/netns.
    '  netns_mounts_under_state_dir = true',
    '  disable_apparmor = true',
    '  enable_selinux = false',
    '  enable_unprivileged_ports = false',
    '  enable_unprivileged_icmp = false',
    '  max_container_log_line_size = 16384',
    '',
    `${cri}.containerd]`,
    `  snapshotter = ${tomlString(snapshotter)}`,
    '  default_runtime_name = "runc"',
    '  discard_unpacked_layers = false',
    '',
    `${cri}.containerd.runtimes.runc]`,
    '  runtime_type = "io.containerd.runc.v2"',
    '',
    `${cri}.containerd.runtimes.runc.options]`,
    // No systemd on this kind of host: runc manages cgroupfs directly.
    '  SystemdCgroup = false',
    '',
    `${cri}.cni]`,
    `  bin_dir = ${tomlString(opts.cniBinDir ?? '/usr/lib/cni')}`,
    `  conf_dir = ${tomlString(opts.cniConfDir)}`,
    '  max_conf_num = 1',
    '',
  ];
  return lines.join('\n');
}

export interface CniBridgeOptions {
  /** The network name (also the conflist's file stem, by convention). */
  name: string;
  /** The Linux bridge device, e.g. 'berth0'. */
  bridge: string;
  /** The pod subnet in CIDR form, e.g. '10.244.0.0/24'. */
  subnet: string;
  /** The bridge's own address, which pods route through; host-local's default (first host) when omitted. */
  gateway?: string;
  mtu?: number;
  /** Where host-local keeps its leases; /var/lib/cni/networks by default (machine-global). */
  ipamDataDir?: string;
}

/**
 * A CNI conflist: bridge (gateway + masquerade) with host-local IPAM on the subnet, then
 * portmap for hostPort mappings. Loopback needs no entry: the runtime sets it up itself.
 */
export function cniBridgeConfig(opts: CniBridgeOptions): string {
  const range: Record<string, string> = { subnet: opts.subnet };
  if (opts.gateway) range.gateway = opts.gateway;
  const ipam: Record<string, unknown> = { type: 'host-local', ranges: [[range]], routes: [{ dst: '0.0.0.0/0' }] };
  if (opts.ipamDataDir) ipam.dataDir = opts.ipamDataDir;
  const bridge: Record<string, unknown> = {
    type: 'bridge',
    bridge: opts.bridge,
    isGateway: true,
    ipMasq: true,
    hairpinMode: true,
    ipam,
  };
  if (opts.mtu) bridge.mtu = opts.mtu;
  const conflist = {
    cniVersion: '1.0.0',
    name: opts.name,
    plugins: [bridge, { type: 'portmap', capabilities: { portMappings: true } }],
  };
  return `${JSON.stringify(conflist, null, 2)}\n`;
}
