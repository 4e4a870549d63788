// Runs test/fixtures/clients/python_client.py: the Debian python3-kubernetes client driving a
// Berth API server. Debian's module is only visible to /usr/bin/python3 (a python3 earlier on the
// PATH, such as pyenv's, does not have it).
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export const python = '/usr/bin/python3';
const script = join(import.meta.dirname, '..', 'fixtures', 'clients', 'python_client.py');

export interface PythonOptions {
  /** Called with the scenario's `ready` value; the scenario goes on once this resolves. */
  onReady?: (value: any) => Promise<void>;
  timeoutMs?: number;
}

/** Runs one scenario and resolves with the JSON object it prints last; rejects on a failure, with its stderr. */
export function runPythonClient(kubeconfig: string, scenario: string, args: object, opts: PythonOptions = {}): Promise<any> {
  const child = spawn(python, [script, kubeconfig, scenario, JSON.stringify(args)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-20_000)));
  let last: any;
  let failed: Error | undefined;
  createInterface(child.stdout).on('line', (line) => {
    const value = JSON.parse(line);
    if (!('ready' in value)) {
      last = value;
      return;
    }
    (opts.onReady ?? (async () => {}))(value.ready).then(
      () => child.stdin.write('go\n'),
      (e) => {
        failed = e;
        child.kill('SIGKILL');
      },
    );
  });
  const timeoutMs = opts.timeoutMs ?? 30_000;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      failed = new Error(`python scenario ${scenario} still running after ${timeoutMs} ms`);
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (failed) reject(new Error(`${failed.message}\n${stderr}`));
      else if (code !== 0) reject(new Error(`python scenario ${scenario} exited ${code ?? signal}:\n${stderr}`));
      else resolve(last);
    });
  });
}
