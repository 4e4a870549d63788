// `berth apiserver --etcd-compaction-interval`, as upstream's flag: a duration, 5m0s by default, 0 disables.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { apiserverCommand } from '../../../src/cli/apiserver.ts';

async function compactionInterval(args: string[]): Promise<number> {
  const command = apiserverCommand().exitOverride().action(() => {});
  await command.parseAsync(args, { from: 'user' });
  return command.opts<{ etcdCompactionInterval: number }>().etcdCompactionInterval;
}

describe('berth apiserver --etcd-compaction-interval', () => {
  it('takes a duration, defaults to 5m and takes 0 to disable', async () => {
    assert.equal(await compactionInterval([]), 300_000);
    assert.equal(await compactionInterval(['--etcd-compaction-interval', '1s']), 1000);
    assert.equal(await compactionInterval(['--etcd-compaction-interval=0']), 0);
    assert.match(apiserverCommand().helpInformation(), /--etcd-compaction-interval <duration>.*\(default: 5m0s\)/s);
  });

  it('rejects a value that is not a duration', async () => {
    const command = apiserverCommand().exitOverride().configureOutput({ writeErr: () => {} }).action(() => {});
    await assert.rejects(command.parseAsync(['--etcd-compaction-interval', 'soon'], { from: 'user' }), /invalid duration "soon"/);
  });
});
