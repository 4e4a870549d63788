// The request parameters of API operations (OpenAPI v3 shape). Descriptions are Berth's own.
import type { Schema } from './schemas.ts';

function query(name: string, type: string, description: string): Schema {
  return { name, in: 'query', description, schema: { type, uniqueItems: true } };
}

function pathParam(name: string, description: string): Schema {
  return { name, in: 'path', description, required: true, schema: { type: 'string', uniqueItems: true } };
}

export const params = {
  pretty: query('pretty', 'string', 'If true, indent the JSON response.'),
  namespace: pathParam('namespace', 'Namespace of the object.'),
  name: pathParam('name', 'Name of the object.'),
  path: pathParam('path', 'Path to forward to.'),
  proxyPath: query('path', 'string', 'Path to forward to.'),
  dryRun: query('dryRun', 'string', 'When "All", check and answer the request without persisting anything.'),
  fieldManager: query('fieldManager', 'string', 'Name of the actor making the change, recorded in managedFields.'),
  fieldValidation: query(
    'fieldValidation',
    'string',
    'What to do about fields the schema does not know or that appear twice: "Ignore" drops them, "Warn" drops them and returns warnings, "Strict" fails the request.',
  ),
  force: query('force', 'boolean', 'For apply patches: take ownership of fields other managers hold.'),
  labelSelector: query('labelSelector', 'string', 'Only objects whose labels match this selector.'),
  fieldSelector: query('fieldSelector', 'string', 'Only objects whose fields match this selector.'),
  limit: query('limit', 'integer', 'Most objects to return; a continue token fetches the rest.'),
  continue: query('continue', 'string', 'Token from a previous limited list, to fetch the next chunk.'),
  resourceVersion: query('resourceVersion', 'string', 'How fresh the result must be, or where a watch starts.'),
  resourceVersionMatch: query('resourceVersionMatch', 'string', 'How resourceVersion is compared: "Exact" or "NotOlderThan".'),
  sendInitialEvents: query('sendInitialEvents', 'boolean', 'For watches: first send the current objects as ADDED events.'),
  watch: query('watch', 'boolean', 'Stream changes instead of returning a list.'),
  timeoutSeconds: query('timeoutSeconds', 'integer', 'Time limit of the list or watch.'),
  allowWatchBookmarks: query('allowWatchBookmarks', 'boolean', 'For watches: allow BOOKMARK events that carry only a resource version.'),
  gracePeriodSeconds: query('gracePeriodSeconds', 'integer', 'Seconds the object may take to stop before it is removed; 0 means now.'),
  propagationPolicy: query('propagationPolicy', 'string', 'What happens to dependents: "Orphan", "Background" or "Foreground".'),
  orphanDependents: query('orphanDependents', 'boolean', 'Older form of propagationPolicy=Orphan.'),
  ignoreStoreReadErrorWithClusterBreakingPotential: query(
    'ignoreStoreReadErrorWithClusterBreakingPotential',
    'boolean',
    'Delete even when the stored object cannot be read.',
  ),
  container: query('container', 'string', 'The container whose log to read; optional when the pod has one.'),
  follow: query('follow', 'boolean', 'Keep streaming as the log grows.'),
  insecureSkipTLSVerifyBackend: query('insecureSkipTLSVerifyBackend', 'boolean', 'Do not verify the kubelet serving certificate.'),
  limitBytes: query('limitBytes', 'integer', 'Stop after this many bytes.'),
  previous: query('previous', 'boolean', 'Read the log of the previous, terminated instance.'),
  sinceSeconds: query('sinceSeconds', 'integer', 'Only lines newer than this many seconds.'),
  sinceTime: query('sinceTime', 'string', 'Only lines newer than this RFC 3339 time.'),
  stream: query('stream', 'string', 'Which stream to read: "All", "Stdout" or "Stderr".'),
  tailLines: query('tailLines', 'integer', 'Only the last this many lines.'),
  timestamps: query('timestamps', 'boolean', 'Prefix each line with its RFC 3339 time.'),
};

const p = params;
export const writeParams = [p.dryRun, p.fieldManager, p.fieldValidation];
export const patchParams = [...writeParams, p.force];
export const listParams = [
  p.allowWatchBookmarks, p.continue, p.fieldSelector, p.labelSelector, p.limit,
  p.resourceVersion, p.resourceVersionMatch, p.sendInitialEvents, p.timeoutSeconds, p.watch,
];
export const deleteParams = [p.dryRun, p.gracePeriodSeconds, p.ignoreStoreReadErrorWithClusterBreakingPotential, p.orphanDependents, p.propagationPolicy];
export const deleteCollectionParams = [
  ...deleteParams, p.continue, p.fieldSelector, p.labelSelector, p.limit,
  p.resourceVersion, p.resourceVersionMatch, p.sendInitialEvents, p.timeoutSeconds,
];
export const logParams = [
  p.container, p.follow, p.insecureSkipTLSVerifyBackend, p.limitBytes, p.previous,
  p.sinceSeconds, p.sinceTime, p.stream, p.tailLines, p.timestamps,
];
/** pods/exec and pods/attach (PodExecOptions, PodAttachOptions). */
export const attachParams = [
  p.container,
  query('stderr', 'boolean', 'Redirect the standard error stream of the container.'),
  query('stdin', 'boolean', 'Redirect the standard input stream of the container.'),
  query('stdout', 'boolean', 'Redirect the standard output stream of the container.'),
  query('tty', 'boolean', 'Allocate a terminal; stderr then comes on stdout.'),
];
export const portForwardParams = [query('ports', 'integer', 'List of ports to forward. Required when using WebSockets.')];
export const execParams = [query('command', 'string', 'The command to run, one argument per parameter.'), ...attachParams];
