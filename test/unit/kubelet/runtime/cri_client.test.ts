// The CRI client against an in-process gRPC server on a unix socket: responses decoded as the
// kubelet reads them, and a response that does not parse as an error of that call alone.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { createCriClient, CriError, type CriClient } from '../../../../src/kubelet/runtime/cri/client.ts';

const passThrough = (b: Buffer) => b;
/** A RuntimeService whose methods answer raw bytes: the test controls the wire exactly. */
function rawMethod(name: string): grpc.MethodDefinition<Buffer, Buffer> {
  return {
    path: `/runtime.v1.RuntimeService/${name}`, requestStream: false, responseStream: false,
    requestSerialize: passThrough, requestDeserialize: passThrough, responseSerialize: passThrough, responseDeserialize: passThrough,
  };
}

/** protobuf wire bytes: a field's tag and a length-delimited value, or a varint value. */
const bytesField = (n: number, v: Buffer) => Buffer.concat([Buffer.from([(n << 3) | 2, v.length]), v]);
const varintField = (n: number, v: number) => Buffer.from([(n << 3) | 0, v]);

describe('CRI client', () => {
  let dir: string;
  let server: grpc.Server;
  let client: CriClient;
  let listAnswer: Buffer;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cri-client-'));
    server = new grpc.Server();
    server.addService({ ListContainers: rawMethod('ListContainers'), Version: rawMethod('Version'), Status: rawMethod('Status') }, {
      ListContainers: (_call: unknown, cb: grpc.sendUnaryData<Buffer>) => cb(null, listAnswer),
      // Never answers: a runtime that hangs.
      Status: () => {},
      Version: (_call: unknown, cb: grpc.sendUnaryData<Buffer>) => cb(null, bytesField(3, Buffer.from('1.6.20'))),
    });
    await new Promise<void>((resolve, reject) =>
      server.bindAsync(`unix://${join(dir, 'cri.sock')}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())));
    client = createCriClient(`unix://${join(dir, 'cri.sock')}`);
  });

  after(() => {
    client.close();
    server.forceShutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a response is decoded with camelCase fields, enum names and defaults', async () => {
    // ListContainersResponse{containers: [Container{id: "c1", pod_sandbox_id: "s1", state: CONTAINER_RUNNING (1)}]}
    const container = Buffer.concat([bytesField(1, Buffer.from('c1')), bytesField(2, Buffer.from('s1')), varintField(6, 1)]);
    listAnswer = bytesField(1, container);
    const [c] = await client.listContainers();
    assert.equal(c.id, 'c1');
    assert.equal(c.podSandboxId, 's1');
    assert.equal(c.state, 'CONTAINER_RUNNING');
    assert.deepEqual(c.labels, {});
    assert.equal(c.createdAt, 0);
  });

  test('a response that does not parse fails that call with INTERNAL, and the next call works', { timeout: 10_000 }, async () => {
    listAnswer = Buffer.from([0x0a, 0x7f, 0x01]); // field 1 claims 127 bytes, 1 follows
    await assert.rejects(client.listContainers(), (err: unknown) => {
      assert.ok(err instanceof CriError);
      assert.equal(err.codeName, 'INTERNAL');
      assert.equal(err.method, 'ListContainers');
      assert.match(err.message, /Response message parsing error: .*index out of range/);
      return true;
    });
    assert.equal((await client.version()).runtimeVersion, '1.6.20');
  });

  test('a call whose signal is aborted is cancelled', async () => {
    const ctl = new AbortController();
    ctl.abort();
    await assert.rejects(client.version('v1', { signal: ctl.signal }), (err: unknown) => err instanceof CriError && err.codeName === 'CANCELLED');
  });

  test("the client's lifetime signal cancels the calls in flight and refuses new ones", async () => {
    const life = new AbortController();
    const c = createCriClient(`unix://${join(dir, 'cri.sock')}`, { timeoutMs: 60_000, signal: life.signal });
    try {
      assert.equal((await c.version()).runtimeVersion, '1.6.20');
      const hanging = c.status();
      await new Promise((r) => setTimeout(r, 50));
      const t0 = performance.now();
      life.abort();
      const cancelled = (err: unknown) => err instanceof CriError && err.codeName === 'CANCELLED';
      await assert.rejects(hanging, cancelled);
      assert.ok(performance.now() - t0 < 1_000);
      await assert.rejects(c.version(), cancelled);
    } finally {
      c.close();
    }
  });
});
