export function formatBytes(bytes: number | undefined | null): string;
export function formatRate(bytesPerSecond: number | undefined | null): string;
export function formatCores(cores: number | undefined | null): string;
export function formatPercent(fraction: number | undefined | null): string;
export function formatAge(seconds: number): string;
export function level(fraction: number): 'ok' | 'warn' | 'crit';
export function escapeHTML(text: unknown): string;
