// The import graph of the source, read as text: which relative modules each file imports or
// re-exports, statically or with import(), and whether only for types. The architecture tests
// (test/unit/kubelet/module_graph.test.ts, test/unit/controllers_graph.test.ts) hold their rules with it.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** Every .ts file under dir. */
export function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

export interface ImportSpec {
  specifier: string;
  /** `import type` / `export type`: erased, never loaded. */
  typeOnly: boolean;
}

/** The relative specifiers a module imports or re-exports, statically or with import(). */
export function relativeImports(text: string): ImportSpec[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const found: ImportSpec[] = [];
  // import/export statements up to their `from '...'` (or a bare `import '...'`).
  for (const m of code.matchAll(/^\s*(import|export)\b([^'";]*?)(?:\bfrom\s*)?['"]([^'"]+)['"]/gm)) {
    found.push({ specifier: m[3], typeOnly: /^\s*type\b/.test(m[2]) });
  }
  for (const m of code.matchAll(/\bimport\s*\(\s*['"]([^'"]+)['"]/g)) found.push({ specifier: m[1], typeOnly: false });
  return found.filter((s) => s.specifier.startsWith('.'));
}
