// promtool check metrics (Debian `prometheus`), the check CI runs on every Prometheus text Berth serves.
//
// promtool exits 1 when the text does not parse and 3 when it parses but lint finds problems
// (one "<metric> <problem>" line each). Policy: any exit other than 0 fails, except exit 3 whose
// every finding is listed in `allow` — for names that upstream Kubernetes (or cAdvisor) exposes
// as they are, where following upstream beats promtool's naming advice. Each allowed finding is
// an exact metric name with the start of promtool's message, so nothing else slips through.
import { spawn } from 'node:child_process';

export interface LintException {
  metric: string;
  /** The start of promtool's problem text, e.g. 'counter metrics should have "_total" suffix'. */
  problem: string;
  /** Why the name stays as it is. */
  why: string;
}

export interface PromtoolResult {
  ok: boolean;
  /** promtool's own output (stdout and stderr). */
  output: string;
  exitCode: number;
  /** Lint findings, "<metric> <problem>", allowed or not. */
  findings: string[];
  /** Findings that made the check fail. */
  failures: string[];
}

/** Upstream names that promtool lints and Berth keeps for dashboard compatibility. */
export const UPSTREAM_LINT_EXCEPTIONS: readonly LintException[] = [
  { metric: 'kubelet_pleg_discard_events', problem: 'counter metrics should have "_total" suffix', why: 'upstream kubelet counter name' },
  { metric: 'kubelet_evictions', problem: 'counter metrics should have "_total" suffix', why: 'upstream kubelet counter name' },
  { metric: 'kubelet_preemptions', problem: 'counter metrics should have "_total" suffix', why: 'upstream kubelet counter name' },
];

export function promtoolPath(): string {
  return process.env.PROMTOOL ?? 'promtool';
}

/** Pipes `text` to `promtool check metrics` and judges the result with the policy above. */
export function promtoolCheck(text: string, allow: readonly LintException[] = UPSTREAM_LINT_EXCEPTIONS): Promise<PromtoolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(promtoolPath(), ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', (e) => reject(new Error(`cannot run promtool (${promtoolPath()}): ${e.message}; install Debian package prometheus`)));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      const exitCode = code ?? -1;
      const findings = exitCode === 3 ? lintFindings(output) : [];
      const failures = exitCode === 0 ? [] : exitCode === 3 ? findings.filter((f) => !isAllowed(f, allow)) : [output.trim() || `exit ${exitCode}`];
      // Exit 3 with no finding lines parsed: do not guess, fail.
      const ok = exitCode === 0 || (exitCode === 3 && findings.length > 0 && failures.length === 0);
      resolve({ ok, output, exitCode, findings, failures: ok ? [] : failures.length ? failures : [output.trim()] });
    });
    child.stdin.on('error', () => {}); // promtool may exit before reading everything; 'close' reports it
    child.stdin.end(text);
  });
}

/** promtool prints one "<metric_name> <problem>" line per lint finding. */
function lintFindings(output: string): string[] {
  return output.split('\n').map((l) => l.trim()).filter((l) => /^[a-zA-Z_:][a-zA-Z0-9_:]* \S/.test(l));
}

function isAllowed(finding: string, allow: readonly LintException[]): boolean {
  return allow.some((a) => finding.startsWith(`${a.metric} ${a.problem}`));
}
