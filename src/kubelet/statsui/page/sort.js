// The pod table's order. Plain ES module (sort.d.ts types it for the unit tests).

/** Orders rows by a column ("name" is namespace/name); rows without the value go last either way. */
export function sortRows(rows, key, desc) {
  const value = (r) => (key === 'name' ? `${r.namespace}/${r.name}` : r[key]);
  return rows.slice().sort((a, b) => {
    const x = value(a);
    const y = value(b);
    if (x === undefined && y === undefined) return 0;
    if (x === undefined) return 1;
    if (y === undefined) return -1;
    const cmp = typeof x === 'string' ? x.localeCompare(y) : x - y;
    return desc ? -cmp : cmp;
  });
}
