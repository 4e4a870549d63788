// Types of build.mjs for the TypeScript tests that import it.
export declare const ROOT: string;
export declare function listFiles(dir: string): string[];
export declare function inputFiles(root?: string): string[];
export declare function fingerprint(root?: string): string;
export declare function orphans(distFiles: string[], srcFiles: string[]): string[];
export declare function buildState(root?: string): 'fresh' | 'stale' | 'missing';
export declare function build(root?: string): void;
export declare function ensureBuilt(o?: { root?: string; log?: (message: string) => void }): void;
