// The kubelet-managed /etc/hosts of a pod, written to <root>/pods/<uid>/etc-hosts and bound
// into each container: upstream's fixed header and loopback lines, the pod's IPs with its
// hostname (and FQDN under a subdomain), then hostAliases. Host-network pods get a copy of
// the node's hosts file plus hostAliases.

import { readFile, writeFile } from 'node:fs/promises';
import { etcHostsPath } from './paths.ts';
import type { Pod } from '../../api/core/index.ts';

export interface HostAlias { ip: string; hostnames?: string[] }

export function hostsEntriesFromHostAliases(aliases: HostAlias[] | undefined): string {
  if (!aliases || aliases.length === 0) return '';
  let out = '\n# Entries added by HostAliases.\n';
  for (const a of aliases) out += `${a.ip}\t${(a.hostnames ?? []).join('\t')}\n`;
  return out;
}

export function managedHostsFileContent(podIPs: string[], hostname: string, hostDomainName: string, aliases?: HostAlias[]): string {
  let out = '# Kubernetes-managed hosts file.\n';
  out += '127.0.0.1\tlocalhost\n';
  out += '::1\tlocalhost ip6-localhost ip6-loopback\n';
  out += 'fe00::0\tip6-localnet\n';
  out += 'fe00::0\tip6-mcastprefix\n';
  out += 'fe00::1\tip6-allnodes\n';
  out += 'fe00::2\tip6-allrouters\n';
  for (const ip of podIPs) {
    out += hostDomainName ? `${ip}\t${hostname}.${hostDomainName}\t${hostname}\n` : `${ip}\t${hostname}\n`;
  }
  return out + hostsEntriesFromHostAliases(aliases);
}

export function nodeHostsFileContent(nodeHosts: string, aliases?: HostAlias[]): string {
  return nodeHosts + hostsEntriesFromHostAliases(aliases);
}

/** The pod's hostname and domain, as upstream's GeneratePodHostNameAndDomain (63-char limit). */
export function podHostnameAndDomain(pod: Pod, clusterDomain: string): { hostname: string; domain: string } {
  let hostname = pod.spec.hostname || pod.metadata.name || '';
  if (hostname.length > 63) hostname = hostname.slice(0, 63).replace(/[-.]+$/, '');
  const sub = pod.spec.subdomain;
  const ns = pod.metadata.namespace || 'default';
  const domain = sub ? (clusterDomain ? `${sub}.${ns}.svc.${clusterDomain}` : `${sub}.${ns}.svc`) : '';
  return { hostname, domain };
}

export interface EtcHostsOptions {
  /** --cluster-domain, e.g. cluster.local. */
  clusterDomain?: string;
  /** The node's hosts file, copied for host-network pods (default /etc/hosts). */
  nodeHostsFile?: string;
}

/**
 * Writes <root>/pods/<uid>/etc-hosts for the pod and returns its path, or undefined when the
 * pod has no IP yet (upstream mounts the file only once the sandbox has IPs).
 */
export async function writeEtcHosts(root: string, pod: Pod, podIPs: string[], opts: EtcHostsOptions = {}): Promise<string | undefined> {
  if (podIPs.length === 0) return undefined;
  const path = etcHostsPath(root, pod.metadata.uid ?? '');
  let content: string;
  if (pod.spec.hostNetwork) {
    content = nodeHostsFileContent(await readFile(opts.nodeHostsFile ?? '/etc/hosts', 'utf8'), pod.spec.hostAliases);
  } else {
    const { hostname, domain } = podHostnameAndDomain(pod, opts.clusterDomain ?? '');
    content = managedHostsFileContent(podIPs, hostname, domain, pod.spec.hostAliases);
  }
  await writeFile(path, content, { mode: 0o644 });
  return path;
}
