// A small writer of the Prometheus text format (0.0.4) for series that carry their own sample
// timestamps, which the resource and cAdvisor endpoints need and client registries do not do.
export type Labels = Record<string, string>;

/** A label value as the text format quotes it: backslash, newline and double quote escaped. */
export const escapeLabelValue = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const escapeHelp = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

export class MetricFamilies {
  private readonly families = new Map<string, { help: string; type: string; lines: string[] }>();

  /** Declares a family; families render in declaration order, each once. */
  family(name: string, type: 'counter' | 'gauge', help: string): this {
    if (!this.families.has(name)) this.families.set(name, { help, type, lines: [] });
    return this;
  }

  sample(name: string, labels: Labels, value: number, timestampMs?: number): this {
    const f = this.families.get(name);
    if (!f) throw new Error(`metric family ${name} was not declared`);
    const keys = Object.keys(labels);
    const l = keys.length ? `{${keys.map((k) => `${k}="${escapeLabelValue(labels[k])}"`).join(',')}}` : '';
    f.lines.push(`${name}${l} ${formatValue(value)}${timestampMs !== undefined ? ` ${Math.round(timestampMs)}` : ''}`);
    return this;
  }

  render(): string {
    let out = '';
    for (const [name, f] of this.families) out += `# HELP ${name} ${escapeHelp(f.help)}\n# TYPE ${name} ${f.type}\n${f.lines.map((l) => l + '\n').join('')}`;
    return out;
  }
}
