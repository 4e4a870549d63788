// A sorted array of keys with binary-search insertion, removal and prefix scans:
// cheap ordered lists from the watch cache without sorting on every request.

export class SortedKeys {
  private keys: string[] = [];

  /** Replaces the content (any order). */
  reset(keys: Iterable<string>): void {
    this.keys = [...keys].sort(compare);
  }

  add(key: string): void {
    const i = this.lowerBound(key);
    if (this.keys[i] !== key) this.keys.splice(i, 0, key);
  }

  remove(key: string): void {
    const i = this.lowerBound(key);
    if (this.keys[i] === key) this.keys.splice(i, 1);
  }

  /** Keys starting with prefix, in order. */
  withPrefix(prefix: string): string[] {
    const out: string[] = [];
    for (let i = this.lowerBound(prefix); i < this.keys.length && this.keys[i].startsWith(prefix); i++) out.push(this.keys[i]);
    return out;
  }

  private lowerBound(key: string): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.keys[mid] < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** Code-unit order, which matches storage (byte) order for ASCII keys. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
