// Field paths and field sets, as structured-merge-diff's fieldpath package defines them and
// managedFields' FieldsV1 encodes them. A path is a list of elements: `f:<field>` (a struct
// field or map key), `k:{"name":"c"}` (an associative list's item by its keys), `v:<json>` (a
// set's value), `i:<n>` (a list index). Here a path is its elements joined by NUL, a character
// no encoded element contains (JSON escapes it), so a set of paths is a Set<string>.

export type FieldPath = string;
export type FieldSet = Set<FieldPath>;

const separator = '\u0000';

export const fieldElement = (name: string) => `f:${name}`;
export const valueElement = (value: unknown) => `v:${JSON.stringify(value)}`;

/** An associative list item's element: its key fields in name order, as upstream sorts them. */
export function keyElement(keys: Record<string, unknown>): string {
  const sorted = Object.keys(keys).sort().map((k) => [k, keys[k]]);
  return `k:${JSON.stringify(Object.fromEntries(sorted))}`;
}

export function child(parent: FieldPath, element: string): FieldPath {
  return parent ? parent + separator + element : element;
}

export function elements(path: FieldPath): string[] {
  return path ? path.split(separator) : [];
}

/** Whether `path` lies strictly inside `ancestor`. */
export function isInside(path: FieldPath, ancestor: FieldPath): boolean {
  return path.length > ancestor.length && path.startsWith(ancestor + separator);
}

/** Upstream's printed form: `.spec.containers[name="c"].image`, `.metadata.finalizers[="x"]`. */
export function formatPath(path: FieldPath): string {
  return elements(path)
    .map((e) => {
      const body = e.slice(2);
      switch (e[0]) {
        case 'f':
          return `.${body}`;
        case 'v':
          return `[=${body}]`;
        case 'i':
          return `[${body}]`;
        default: {
          const keys = JSON.parse(body) as Record<string, unknown>;
          return `[${Object.entries(keys).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}]`;
        }
      }
    })
    .join('');
}

// ---- FieldsV1 ----

type Tree = { [element: string]: Tree };

/** Upstream's element order: fields, then keys, then values, then indexes; '.' (the node itself) first. */
const kindRank: Record<string, number> = { '.': 0, f: 1, k: 2, v: 3, i: 4 };
function compareElements(a: string, b: string): number {
  const ra = kindRank[a[0]] ?? 5;
  const rb = kindRank[b[0]] ?? 5;
  if (ra !== rb) return ra - rb;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A set as managedFields' `fieldsV1`: nested objects, `{}` for a member, `".": {}` for a member with children. */
export function toFieldsV1(set: Iterable<FieldPath>): Tree {
  const root: Tree = {};
  const members = new Set<Tree>();
  for (const path of set) {
    let node = root;
    for (const e of elements(path)) node = node[e] ??= {};
    members.add(node);
  }
  const sortTree = (node: Tree): Tree => {
    const keys = Object.keys(node).sort(compareElements);
    const out: Tree = {};
    if (members.has(node) && keys.length) out['.'] = {};
    for (const k of keys) out[k] = sortTree(node[k]);
    return out;
  };
  return sortTree(root);
}

/** The paths of a `fieldsV1` tree; throws on anything that is not one. */
export function fromFieldsV1(tree: unknown): FieldSet {
  const out: FieldSet = new Set();
  const walk = (node: unknown, path: FieldPath) => {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) throw new Error(`fieldsV1: expected an object at ${formatPath(path) || 'the root'}`);
    const keys = Object.keys(node);
    if (path && (keys.length === 0 || keys.includes('.'))) out.add(path);
    for (const k of keys) {
      if (k === '.') continue;
      if (!/^[fkvi]:/.test(k)) throw new Error(`fieldsV1: unknown path element ${JSON.stringify(k)}`);
      walk((node as Tree)[k], child(path, k));
    }
  };
  walk(tree, '');
  return out;
}

// ---- set operations ----

export function union(a: Iterable<FieldPath>, b: Iterable<FieldPath>): FieldSet {
  const out = new Set(a);
  for (const p of b) out.add(p);
  return out;
}

export function difference(a: Iterable<FieldPath>, b: ReadonlySet<FieldPath>): FieldSet {
  const out: FieldSet = new Set();
  for (const p of a) if (!b.has(p)) out.add(p);
  return out;
}

export function sameSet(a: ReadonlySet<FieldPath>, b: ReadonlySet<FieldPath>): boolean {
  if (a.size !== b.size) return false;
  for (const p of a) if (!b.has(p)) return false;
  return true;
}

/** Every proper ancestor of every path in the set (to ask "does anyone own something inside?"). */
export function ancestors(set: Iterable<FieldPath>): FieldSet {
  const out: FieldSet = new Set();
  for (const p of set) {
    const es = elements(p);
    for (let i = 1; i < es.length; i++) out.add(es.slice(0, i).join(separator));
  }
  return out;
}
