// The protobuf schema of the Kubernetes messages Berth accepts, parsed from the .proto
// files next to this module. Parsing takes a few milliseconds, so the parsed schema is
// memoized: it is immutable data, read-only after the first use.
import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs';

const protoFiles = [
  'runtime.proto',
  'apimachinery.proto',
  'quantity.proto',
  'intstr.proto',
  'core.proto',
  'pod.proto',
  'authentication.proto',
  'policy.proto',
];

/** Parses the schema files into one resolved root. */
export function parseSchema(): protobuf.Root {
  const root = new protobuf.Root();
  for (const file of protoFiles) {
    const text = readFileSync(new URL(`./${file}`, import.meta.url), 'utf8');
    protobuf.parse(text, root, { keepCase: true });
  }
  root.resolveAll();
  return root;
}

let memo: protobuf.Root | undefined;

/** The parsed schema, built on first use. */
export function k8sSchema(): protobuf.Root {
  memo ??= parseSchema();
  return memo;
}

export const envelopeType = 'k8s.io.apimachinery.pkg.runtime.Unknown';
const metaPackage = 'k8s.io.apimachinery.pkg.apis.meta.v1';
/** Kinds that belong to meta/v1 whatever group-version the client names them under. */
const metaKinds = new Set(['DeleteOptions']);

/**
 * The message for a group-version-kind, following upstream's package naming
 * (k8s.io.api.<first label of the group, "core" for the core group>.<version>.<Kind>).
 */
export function messageFor(root: protobuf.Root, group: string, version: string, kind: string): protobuf.Type | undefined {
  const name = metaKinds.has(kind) ? `${metaPackage}.${kind}` : `k8s.io.api.${group === '' ? 'core' : group.split('.')[0]}.${version}.${kind}`;
  const found = root.lookup(name);
  return found instanceof protobuf.Type ? found : undefined;
}
