import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flagValue, positive } from '../../../bench/lib/args.ts';

test('flags as --name value or --name=value', () => {
  assert.equal(flagValue(['--pods', '5', '--check'], 'pods'), '5');
  assert.equal(flagValue(['--pods=7'], 'pods'), '7');
  assert.equal(flagValue(['--podsx=7'], 'pods'), undefined);
  assert.equal(flagValue([], 'pods'), undefined);
});

test('positive numbers: the fallback when absent, an error naming the flag and value otherwise', () => {
  assert.equal(positive(undefined, 110, '--pods'), 110);
  assert.equal(positive('2.5', 1, '--seconds'), 2.5);
  assert.throws(() => positive('0', 1, '--pods'), /--pods: want a positive number, got "0"/);
  assert.throws(() => positive('ten', 1, '--pods'), /got "ten"/);
});
