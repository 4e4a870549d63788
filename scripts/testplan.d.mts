// Types of testplan.mjs for the TypeScript tests that import it.
export declare const TIERS: string[];
export declare const PARALLEL_TIERS: Set<string>;
export declare class UsageError extends Error {}
export declare const USAGE: string;
export declare function plan(selectors: string[], io: { filesOf: (tier: string) => string[]; exists: (path: string) => boolean }): { parallel: string[]; serial: string[] };
export declare function runsKubectl(source: string): boolean;
export declare const KUBECTL_MINOR: number;
export declare function kubectlProblem(versionJson: string | undefined, files: string[]): string | undefined;
export type Summary = Record<'tests' | 'suites' | 'pass' | 'fail' | 'cancelled' | 'skipped' | 'todo' | 'duration_ms', number>;
export declare const SUMMARY_FIELDS: Array<keyof Summary>;
export declare function tapSummary(tap: string): Summary | undefined;
export declare function addSummaries(summaries: Summary[], wallMs: number): Summary;
