// The PodSandboxConfig for RunPodSandbox (upstream's generatePodSandboxConfig). Pure.
import type { In, PodSandboxConfig, PortMapping, NamespaceOption } from '../runtime/cri/types.ts';
import type { DNSConfig } from './dns.ts';
import { sandboxAnnotations, sandboxLabels } from './labels.ts';
import type { Pod } from '../../api/core/index.ts';
import { podNamespace } from './pod.ts';

export const DEFAULT_POD_LOGS_ROOT = '/var/log/pods';

/** `/var/log/pods/<ns>_<name>_<uid>` (upstream's BuildPodLogsDirectory). */
export function podLogsDirectory(pod: Pick<Pod, 'metadata'>, root = DEFAULT_POD_LOGS_ROOT): string {
  return `${root}/${podNamespace(pod)}_${pod.metadata.name}_${pod.metadata.uid}`;
}

/** The hostname: spec.hostname or the pod name, cut to 63 characters; empty on the host network. */
export function podHostname(pod: Pod): string {
  if (pod.spec.hostNetwork) return '';
  const name = pod.spec.hostname || pod.metadata.name!;
  return name.slice(0, 63).replace(/[-.]+$/, '');
}

export function podNamespaceOptions(pod: Pod): Pick<NamespaceOption, 'network' | 'pid' | 'ipc'> {
  return {
    network: pod.spec.hostNetwork ? 'NODE' : 'POD',
    pid: pod.spec.hostPID ? 'NODE' : pod.spec.shareProcessNamespace ? 'POD' : 'CONTAINER',
    ipc: pod.spec.hostIPC ? 'NODE' : 'POD',
  };
}

export function portMappings(pod: Pod): In<PortMapping>[] {
  const out: In<PortMapping>[] = [];
  for (const c of pod.spec.containers) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort) continue;
      out.push({
        protocol: (p.protocol ?? 'TCP') as PortMapping['protocol'],
        containerPort: p.containerPort, hostPort: p.hostPort, hostIp: p.hostIP ?? '',
      });
    }
  }
  return out;
}

export interface SandboxConfigInput {
  attempt: number;
  logDirectory: string;
  dns: DNSConfig;
  cgroupParent: string;
}

export function podSandboxConfig(pod: Pod, i: SandboxConfigInput): In<PodSandboxConfig> {
  const sc = pod.spec.securityContext ?? {};
  const privileged = [...(pod.spec.initContainers ?? []), ...pod.spec.containers].some((c) => c.securityContext?.privileged);
  return {
    metadata: { name: pod.metadata.name, uid: pod.metadata.uid, namespace: podNamespace(pod), attempt: i.attempt },
    hostname: podHostname(pod),
    logDirectory: i.logDirectory,
    dnsConfig: i.dns,
    portMappings: portMappings(pod),
    labels: sandboxLabels(pod),
    annotations: sandboxAnnotations(pod),
    linux: {
      cgroupParent: i.cgroupParent,
      sysctls: Object.fromEntries((sc.sysctls ?? []).map((s) => [normalizeSysctlName(s.name), s.value])),
      securityContext: {
        namespaceOptions: podNamespaceOptions(pod),
        runAsUser: sc.runAsUser !== undefined ? { value: sc.runAsUser } : null,
        runAsGroup: sc.runAsGroup !== undefined ? { value: sc.runAsGroup } : null,
        supplementalGroups: [...(sc.supplementalGroups ?? []), ...(sc.fsGroup !== undefined ? [sc.fsGroup] : [])],
        privileged,
      },
    },
  };
}

/**
 * A sysctl name in the dotted form runtimes expect (upstream's NormalizeName, applied by
 * ConvertPodSysctlsVariableToDotsSeparator): a name written with slashes first, as
 * `net/ipv4/conf/eno2.100/rp_filter`, has its `.` and `/` swapped, giving
 * `net.ipv4.conf.eno2/100.rp_filter`; a dotted name is left as it is.
 */
export function normalizeSysctlName(name: string): string {
  const first = name.search(/[./]/);
  if (first < 0 || name[first] === '.') return name;
  return name.replace(/[./]/g, (c) => (c === '.' ? '/' : '.'));
}
