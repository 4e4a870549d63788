// The pod's DNS configuration from dnsPolicy, the kubelet's --cluster-dns/--cluster-domain
// and the node's resolv.conf, as upstream's dns configurer. Pure apart from reading resolv.conf.
import { readFile } from 'node:fs/promises';
import type { Pod } from '../../api/core/index.ts';
import { formatPod, podNamespace } from './pod.ts';

export interface DNSConfig { servers: string[]; searches: string[]; options: string[] }
export interface ResolvConf { nameservers: string[]; searches: string[]; options: string[] }

export interface DNSSettings {
  clusterDNS: string[];
  clusterDomain: string;
  /** The node's resolv.conf as parsed (the kubelet's --resolv-conf). */
  hostResolv: ResolvConf;
}

export interface DNSResult { config: DNSConfig; warning?: { reason: string; message: string } }

export function parseResolvConf(text: string): ResolvConf {
  const out: ResolvConf = { nameservers: [], searches: [], options: [] };
  for (const raw of text.split('\n')) {
    const line = raw.replace(/[#;].*$/, '').trim();
    if (!line) continue;
    const [key, ...rest] = line.split(/\s+/);
    if (key === 'nameserver' && rest[0]) out.nameservers.push(rest[0]);
    else if (key === 'search') out.searches = rest.map((s) => s.replace(/\.$/, ''));
    else if (key === 'options') out.options.push(...rest);
  }
  return out;
}

export async function readResolvConf(path = '/etc/resolv.conf'): Promise<ResolvConf> {
  try { return parseResolvConf(await readFile(path, 'utf8')); } catch { return { nameservers: [], searches: [], options: [] }; }
}

const uniq = (xs: string[]) => [...new Set(xs)];

/** Upstream's limits: at most 32 search domains (and 3 nameservers from the host). */
const MAX_SEARCHES = 32;

export function podDNSConfig(pod: Pod, s: DNSSettings): DNSResult {
  let policy = pod.spec.dnsPolicy ?? 'ClusterFirst';
  let warning: DNSResult['warning'];
  // ClusterFirst on the host network means the host's DNS; ClusterFirstWithHostNet means cluster DNS.
  if (policy === 'ClusterFirst' && pod.spec.hostNetwork) policy = 'Default';
  if (policy === 'ClusterFirstWithHostNet') policy = 'ClusterFirst';
  if (policy === 'ClusterFirst' && s.clusterDNS.length === 0) {
    warning = {
      reason: 'MissingClusterDNS',
      message: `pod: "${formatPod(pod)}". kubelet does not have ClusterDNS IP configured and cannot create Pod using "ClusterFirst" policy. Falling back to "Default" policy.`,
    };
    policy = 'Default';
  }
  let config: DNSConfig;
  if (policy === 'None') config = { servers: [], searches: [], options: [] };
  else if (policy === 'Default') {
    config = { servers: s.hostResolv.nameservers.slice(0, 3), searches: [...s.hostResolv.searches], options: [...s.hostResolv.options] };
  } else {
    const ns = podNamespace(pod);
    const d = s.clusterDomain;
    const searches = d ? [`${ns}.svc.${d}`, `svc.${d}`, d, ...s.hostResolv.searches] : [...s.hostResolv.searches];
    config = { servers: [...s.clusterDNS], searches, options: ['ndots:5'] };
  }
  const extra = pod.spec.dnsConfig;
  if (extra) {
    config.servers = uniq([...config.servers, ...(extra.nameservers ?? [])]);
    config.searches = uniq([...config.searches, ...(extra.searches ?? [])]);
    // A pod option overrides a same-named default one.
    const opts = new Map<string, string>();
    for (const o of config.options) opts.set(o.split(':')[0], o);
    for (const o of extra.options ?? []) opts.set(o.name, o.value !== undefined && o.value !== '' ? `${o.name}:${o.value}` : o.name);
    config.options = [...opts.values()];
  }
  config.searches = uniq(config.searches).slice(0, MAX_SEARCHES);
  return warning ? { config, warning } : { config };
}
