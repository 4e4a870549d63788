// The kubelet's stats UI and cAdvisor-compatible JSON API (--cadvisor-port).
export { startStatsUI, type StatsUIOptions, type AuthorizeResult } from './server.ts';
