// Key ranges for prefix scans, shared by the SQLite and etcd backends.

/**
 * The smallest string greater than every string starting with prefix, in code-unit order
 * (which equals byte order for the ASCII keys the API server writes), as etcd's range_end.
 * Empty prefix: undefined (no upper bound).
 */
export function prefixEnd(prefix: string): string | undefined {
  for (let i = prefix.length - 1; i >= 0; i--) {
    const code = prefix.charCodeAt(i);
    if (code < 0xffff) return prefix.slice(0, i) + String.fromCharCode(code + 1);
  }
  return undefined;
}
