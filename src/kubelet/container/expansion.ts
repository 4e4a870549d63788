// Kubernetes' `$(VAR)` expansion (upstream's third_party/forked/golang/expansion) and its two
// uses on a container: env values, command and args keep unknown references as written, while
// subPathExpr fails on a reference with no value (upstream's ExpandContainerVolumeMounts).

/** Expands `$(VAR)` through lookup: `$$` escapes, a reference lookup leaves undefined stays as written. */
export function expandVars(input: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const ch = input[i];
    if (ch !== '$' || i + 1 >= input.length) { out += ch; continue; }
    const next = input[i + 1];
    if (next === '$') { out += '$'; i++; continue; }
    if (next === '(') {
      const close = input.indexOf(')', i + 2);
      if (close < 0) { out += input.slice(i); break; }
      const name = input.slice(i + 2, close);
      const v = lookup(name);
      out += v !== undefined ? v : `$(${name})`;
      i = close;
      continue;
    }
    out += ch;
  }
  return out;
}

/**
 * A volumeMount's subPathExpr expanded with the container's environment. As upstream, a
 * reference to a variable that is unset or empty is an error naming every such variable.
 */
export function expandSubPathExpr(expr: string, env: ReadonlyMap<string, string>): string {
  const missing = new Set<string>();
  const expanded = expandVars(expr, (name) => {
    const v = env.get(name);
    if (!v) missing.add(name);
    return v ?? '';
  });
  if (missing.size > 0) throw new Error(`missing value for ${[...missing].sort().join(', ')}`);
  return expanded;
}
