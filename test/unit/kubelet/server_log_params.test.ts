// The kubelet's /containerLogs reads its query as upstream does (the same conversion as the API
// server): the Python client's follow=True follows, previous=True asks for the previous
// container, timestamps=True keeps timestamps, and bad values are refused naming the parameter.
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ensurePki } from '../../../src/pki/pki.ts';
import { startKubeletServer } from '../../../src/kubelet/server/server.ts';

const TS = '2026-11-27T03:55:07.123456789Z';
const line = (text: string) => `${TS} stdout F ${text}\n`;

interface Seen {
  previous: boolean;
}

describe('kubelet /containerLogs query parameters', () => {
  let dir: string;
  let port: number;
  let ca: string;
  let running = true;
  const seen: Seen[] = [];
  const stop = new AbortController();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'berth-logparams-'));
    writeFileSync(join(dir, 'current.log'), line('current-1'));
    writeFileSync(join(dir, 'previous.log'), line('previous-1'));
    const pki = await ensurePki(join(dir, 'pki'), { hosts: ['127.0.0.1'] });
    ca = pki.caCertPem;
    const server = await startKubeletServer(
      { address: '127.0.0.1', port: 0, certPem: pki.servingCertPem, keyPem: pki.servingKeyPem },
      {
        auth: { anonymousAuth: true, authenticationTokenWebhook: false, authorizationMode: 'AlwaysAllow', nodeName: 'n' },
        pods: () => [],
        probeMetrics: () => '',
        healthy: () => ({ ok: true, message: 'ok' }),
        logTarget: async (_ns, _pod, _c, previous) => {
          seen.push({ previous });
          return { path: join(dir, previous ? 'previous.log' : 'current.log'), running: () => running };
        },
      },
      stop.signal,
    );
    port = server.port;
  });
  after(() => {
    stop.abort();
    rmSync(dir, { recursive: true, force: true });
  });

  /** GETs a path; resolves with the status and the body read so far after `waitMs` (or at its end). */
  const get = (path: string, waitMs = 3000): Promise<{ status: number; body: string; ended: boolean }> =>
    new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, ca, servername: '127.0.0.1' }, (res) => {
        let body = '';
        let ended = false;
        res.on('data', (d: Buffer) => (body += d.toString()));
        const timer = setTimeout(() => {
          req.destroy();
          resolve({ status: res.statusCode ?? 0, body, ended });
        }, waitMs);
        res.on('end', () => {
          ended = true;
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, body, ended });
        });
      });
      req.on('error', reject);
      req.end();
    });

  it('follows with follow=True until stopped, showing what is written meanwhile', async () => {
    running = true;
    const pending = get('/containerLogs/ns/p/c?follow=True', 1500);
    setTimeout(() => appendFileSync(join(dir, 'current.log'), line('current-2')), 300);
    const r = await pending;
    assert.equal(r.status, 200);
    assert.equal(r.ended, false, 'a followed log stays open while the container runs');
    assert.equal(r.body, 'current-1\ncurrent-2\n');
  });

  it('reads previous=True as the previous container and timestamps=TRUE as timestamps', async () => {
    seen.length = 0;
    const r = await get('/containerLogs/ns/p/c?previous=True&timestamps=TRUE');
    assert.equal(r.status, 200);
    assert.deepEqual(seen, [{ previous: true }]);
    assert.equal(r.body, `${TS} previous-1\n`);
    seen.length = 0;
    const no = await get('/containerLogs/ns/p/c?previous=False&follow=0');
    assert.equal(no.ended, true);
    assert.deepEqual(seen, [{ previous: false }]);
  });

  it('refuses a bad integer with a 400 naming the parameter', async () => {
    const r = await get('/containerLogs/ns/p/c?tailLines=ten');
    assert.equal(r.status, 400);
    assert.match(r.body, /tailLines/);
    const neg = await get('/containerLogs/ns/p/c?limitBytes=0');
    assert.equal(neg.status, 422);
    assert.match(neg.body, /limitBytes: Invalid value: 0: must be greater than 0/);
  });
});
