// Reading Prometheus text in tests: one sample's value by name and exact label set, and TYPE/HELP.
import { parseExposition, type Sample } from '../../../src/apiserver/metrics/parse.ts';

/** Every sample; a line that does not parse throws, naming it. */
export const parseSamples = (text: string): Sample[] => parseExposition(text);

const sameLabels = (a: Record<string, string>, b: Record<string, string>) =>
  Object.keys(a).length === Object.keys(b).length && Object.entries(b).every(([k, v]) => a[k] === v);

/** The value of the sample with exactly these labels, or undefined when absent. */
export function sampleValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  return parseSamples(text).find((s) => s.name === name && sameLabels(s.labels, labels))?.value;
}

export function typeOf(text: string, name: string): string | undefined {
  return new RegExp(`^# TYPE ${name} (\\S+)$`, 'm').exec(text)?.[1];
}

export function helpOf(text: string, name: string): string | undefined {
  return new RegExp(`^# HELP ${name} (.*)$`, 'm').exec(text)?.[1];
}

/** Label names used by a metric's samples (bucket `le` and the like included). */
export function labelNamesOf(text: string, name: string): string[] {
  const names = new Set<string>();
  for (const s of parseSamples(text)) if (s.name === name) for (const k of Object.keys(s.labels)) names.add(k);
  return [...names].sort();
}
