// Turning manifest bytes into objects. YAML is read as YAML 1.1 (what upstream's go-yaml reads,
// so `on`/`yes` mean what they mean there), JSON is YAML, and like upstream's yaml.ToJSON only
// the first document of a multi-document file counts.
import { parseAllDocuments } from 'yaml';

/** Upstream reads at most 10 MiB of a manifest file or URL. */
export const maxManifestBytes = 10 * 1024 * 1024;

/** The first document of a YAML or JSON text; throws an Error saying why it could not be read. */
export function parseManifestText(text: string): unknown {
  const trimmed = text.trimStart();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    try {
      return JSON.parse(text);
    } catch {
      // Not strict JSON (YAML flow style is a superset): let the YAML reader have a go.
    }
  }
  const docs = parseAllDocuments(text, { version: '1.1', prettyErrors: false });
  const list = Array.isArray(docs) ? docs : [docs];
  const first = list.find((d) => d.contents !== null) ?? list[0];
  if (!first) throw new Error('the manifest is empty');
  if (first.errors.length) throw new Error(`invalid YAML: ${first.errors[0].message}`);
  const value = datesToStrings(first.toJS({ maxAliasCount: 100 }));
  if (value === null || value === undefined) throw new Error('the manifest is empty');
  return value;
}

// YAML 1.1 reads an unquoted timestamp as a date; the API wants the RFC 3339 text back.
function datesToStrings(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString().replace(/\.000Z$/, 'Z');
  if (Array.isArray(value)) return value.map(datesToStrings);
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) (value as Record<string, unknown>)[k] = datesToStrings(v);
  }
  return value;
}

export type ManifestKind = 'Pod' | 'PodList' | 'List';

/**
 * The pods a decoded document holds: itself for a Pod, its items for a PodList or a v1 List
 * (each item checked later, on its own). Throws for anything else.
 */
export function podsInDocument(doc: unknown): { kind: ManifestKind; items: unknown[] } {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new Error(`expected an object, got ${describe(doc)}`);
  const { kind, apiVersion, items } = doc as { kind?: unknown; apiVersion?: unknown; items?: unknown };
  if (kind === undefined || kind === '') throw new Error("Object 'Kind' is missing");
  if (kind === 'Pod') return { kind, items: [doc] };
  if (kind === 'PodList' || kind === 'List') {
    if (apiVersion !== 'v1') throw new Error(`unsupported apiVersion ${JSON.stringify(apiVersion ?? '')} for a ${kind}: want "v1"`);
    if (items !== undefined && items !== null && !Array.isArray(items)) throw new Error(`items: must be a list, got ${describe(items)}`);
    return { kind, items: (items as unknown[] | null | undefined) ?? [] };
  }
  throw new Error(`expected a Pod, PodList or List, got kind ${JSON.stringify(kind)}`);
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}
