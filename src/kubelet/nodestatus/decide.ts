// When to send node status: when something changed (heartbeats aside), or when the report
// period (--node-status-report-frequency, 5 m) has passed since the last report, as upstream.
import { isDeepStrictEqual } from 'node:util';
import type { NodeCondition } from '../../api/core/index.ts';
import type { NodeStatus } from './types.ts';

function conditionsByType(conds: NodeCondition[] | undefined): Record<string, Omit<NodeCondition, 'lastHeartbeatTime'>> {
  const out: Record<string, Omit<NodeCondition, 'lastHeartbeatTime'>> = {};
  for (const { lastHeartbeatTime: _, ...rest } of conds ?? []) out[rest.type] = rest;
  return out;
}

/** Whether the status differs in anything but the conditions' heartbeat times. */
export function nodeStatusChanged(original: Partial<NodeStatus> | undefined, updated: Partial<NodeStatus>): boolean {
  if (!original) return true;
  if (!isDeepStrictEqual(conditionsByType(original.conditions), conditionsByType(updated.conditions))) return true;
  const { conditions: _a, ...restA } = original;
  const { conditions: _b, ...restB } = updated;
  return !isDeepStrictEqual(JSON.parse(JSON.stringify(restA)), JSON.parse(JSON.stringify(restB)));
}

export interface PatchDecisionInputs {
  original: Partial<NodeStatus> | undefined;
  updated: Partial<NodeStatus>;
  /** When status was last sent successfully; undefined before the first report. */
  lastReportAt: Date | undefined;
  now: Date;
  reportFrequencyMs: number;
}

export function shouldPatchStatus(i: PatchDecisionInputs): boolean {
  if (!i.lastReportAt) return true;
  if (nodeStatusChanged(i.original, i.updated)) return true;
  return i.now.getTime() - i.lastReportAt.getTime() >= i.reportFrequencyMs;
}
