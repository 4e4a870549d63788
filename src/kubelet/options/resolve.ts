// From the command line to the kubelet's settings: load --config (a KubeletConfiguration file, or
// the legacy manifest directory), overlay the given flags, and validate the result.
import { formatDuration } from '../../api/duration.ts';
import { loadConfigArg } from './config.ts';
import type { GivenFlags } from './flags.ts';
import { mergeOptions, type KubeletOptions } from './options.ts';

export async function resolveKubeletOptions(given: GivenFlags): Promise<KubeletOptions> {
  let file: Partial<KubeletOptions> | undefined;
  let manifestDir: string | undefined;
  if (given.config !== undefined) ({ file, manifestDir } = await loadConfigArg(given.config));
  const merged = mergeOptions(file, given.options);
  if (given.config !== undefined && file) merged.configFile = given.config;
  // --pod-manifest-path wins over staticPodPath; a --config directory stands in for either.
  merged.staticPodPath = given.podManifestPath ?? file?.staticPodPath ?? manifestDir ?? merged.staticPodPath;
  validateOptions(merged);
  return merged;
}

/** Checks values the config file could have set outside their domain; throws naming the field. */
export function validateOptions(o: KubeletOptions): void {
  const fail = (field: string, value: unknown, why: string) => {
    throw new Error(`invalid kubelet configuration: ${field}: ${JSON.stringify(value)}: ${why}`);
  };
  if (!['AlwaysAllow', 'Webhook'].includes(o.authorizationMode)) fail('authorization.mode', o.authorizationMode, 'must be AlwaysAllow or Webhook');
  if (o.cgroupDriver === 'systemd') fail('cgroupDriver (--cgroup-driver)', o.cgroupDriver, 'Berth manages cgroups with the cgroupfs driver only; set cgroupDriver: cgroupfs (and the runtime\'s SystemdCgroup = false)');
  if (o.cgroupDriver !== 'cgroupfs') fail('cgroupDriver', o.cgroupDriver, 'must be cgroupfs');
  for (const level of o.enforceNodeAllocatable) {
    if (level === 'system-reserved' || level === 'kube-reserved') fail('enforceNodeAllocatable', o.enforceNodeAllocatable, `Berth does not enforce ${level} (no ${level === 'system-reserved' ? 'systemReservedCgroup' : 'kubeReservedCgroup'} support): use pods or none`);
    if (level !== 'pods' && level !== 'none') fail('enforceNodeAllocatable', o.enforceNodeAllocatable, `unknown level ${JSON.stringify(level)}: must be pods or none`);
  }
  if (o.enforceNodeAllocatable.includes('none') && o.enforceNodeAllocatable.length > 1) fail('enforceNodeAllocatable', o.enforceNodeAllocatable, 'none excludes other levels');
  if (o.enforceNodeAllocatable.includes('pods') && !o.cgroupsPerQOS) fail('enforceNodeAllocatable', o.enforceNodeAllocatable, 'enforcing pods needs cgroupsPerQOS');
  if (!['text', 'json'].includes(o.loggingFormat)) fail('logging.format', o.loggingFormat, 'must be text or json');
  if (!Number.isInteger(o.verbosity) || o.verbosity < 0) fail('logging.verbosity', o.verbosity, 'must be a non-negative integer');
  if (o.nodeLeaseDurationSeconds <= 0) fail('nodeLeaseDurationSeconds', o.nodeLeaseDurationSeconds, 'must be greater than 0');
  if (o.nodeStatusUpdateFrequencyMs <= 0) fail('nodeStatusUpdateFrequency', o.nodeStatusUpdateFrequencyMs, 'must be greater than 0');
  if (o.maxPods < 0) fail('maxPods', o.maxPods, 'must not be negative');
  for (const [field, port] of [['port', o.port], ['healthzPort', o.healthzPort]] as const) {
    if (port < 0 || port > 65535) fail(field, port, 'must be 0-65535');
  }
  validateImageGC(o);
  if (o.tlsCertFile && !o.tlsPrivateKeyFile) fail('tlsPrivateKeyFile', '', 'required with tlsCertFile');
}

/** Upstream's ValidateKubeletConfiguration for the image GC fields, with its messages. */
function validateImageGC(o: KubeletOptions): void {
  const errs: string[] = [];
  const pct = (n: number) => Number.isInteger(n) && n >= 0 && n <= 100;
  if (!pct(o.imageGCHighThresholdPercent)) errs.push(`imageGCHighThresholdPercent (--image-gc-high-threshold) ${o.imageGCHighThresholdPercent} must be between 0 and 100, inclusive`);
  if (!pct(o.imageGCLowThresholdPercent)) errs.push(`imageGCLowThresholdPercent (--image-gc-low-threshold) ${o.imageGCLowThresholdPercent} must be between 0 and 100, inclusive`);
  if (o.imageGCLowThresholdPercent >= o.imageGCHighThresholdPercent) {
    errs.push(`imageGCLowThresholdPercent (--image-gc-low-threshold) ${o.imageGCLowThresholdPercent} must be less than imageGCHighThresholdPercent (--image-gc-high-threshold) ${o.imageGCHighThresholdPercent}`);
  }
  if (o.imageMaximumGCAgeMs < 0) errs.push(`imageMaximumGCAge ${formatDuration(o.imageMaximumGCAgeMs)} must not be negative`);
  if (o.imageMaximumGCAgeMs > 0 && o.imageMaximumGCAgeMs <= o.imageMinimumGCAgeMs) {
    errs.push(`imageMaximumGCAge ${formatDuration(o.imageMaximumGCAgeMs)} must be greater than imageMinimumGCAge ${formatDuration(o.imageMinimumGCAgeMs)}`);
  }
  if (errs.length) throw new Error(errs.map((e) => `invalid configuration: ${e}`).join(', '));
}
