// Static, mirror and sidecar predicates, and the active deadline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  deadlineExceededReason,
  isMirrorPod,
  isRestartableInitContainer,
  isStaticPod,
  pastActiveDeadline,
} from '../../../../src/api/pod/index.ts';

const annotated = (annotations?: Record<string, string>) => ({ metadata: { name: 'p', annotations } });

test('static pods come from a file or URL; mirror pods carry the mirror annotation', () => {
  assert.equal(isStaticPod(annotated({ 'kubernetes.io/config.source': 'file' })), true);
  assert.equal(isStaticPod(annotated({ 'kubernetes.io/config.source': 'http' })), true);
  assert.equal(isStaticPod(annotated({ 'kubernetes.io/config.source': 'api' })), false);
  assert.equal(isStaticPod(annotated()), false);
  assert.equal(isMirrorPod(annotated({ 'kubernetes.io/config.mirror': 'hash' })), true);
  assert.equal(isMirrorPod(annotated({ 'kubernetes.io/config.mirror': '' })), true);
  assert.equal(isMirrorPod(annotated({})), false);
});

test('a sidecar is an init container with restartPolicy Always', () => {
  assert.equal(isRestartableInitContainer({ restartPolicy: 'Always' }), true);
  assert.equal(isRestartableInitContainer({}), false);
  assert.equal(isRestartableInitContainer(undefined), false);
});

test('active deadline: from startTime, at the second it is reached', () => {
  const start = '2026-01-01T00:00:00Z';
  const at = (s: number) => new Date(Date.parse(start) + s * 1000);
  assert.equal(pastActiveDeadline({ activeDeadlineSeconds: 30 }, start, at(29.999)), false);
  assert.equal(pastActiveDeadline({ activeDeadlineSeconds: 30 }, start, at(30)), true);
  assert.equal(pastActiveDeadline({}, start, at(1e6)), false);
  assert.equal(pastActiveDeadline({ activeDeadlineSeconds: 30 }, undefined, at(1e6)), false);
  assert.equal(deadlineExceededReason, 'DeadlineExceeded');
});
