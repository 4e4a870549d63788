// Command-line values of a benchmark: `--name value` or `--name=value`.

export function flagValue(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(`--${name}`);
  if (i >= 0) return argv[i + 1];
  return argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

/** A positive number, or the fallback when absent; an error naming the flag otherwise. */
export function positive(v: string | undefined, fallback: number, what: string): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!(n > 0)) throw new Error(`${what}: want a positive number, got ${JSON.stringify(v)}`);
  return n;
}
