// core/v1 Event as plain JSON (the events.k8s.io/v1 fields it carries too: eventTime, series,
// reportingComponent/Instance, action, related).
import type { KubeObject, ObjectMeta } from '../object.ts';
import type { ObjectReference } from './common.ts';

export interface EventSource { component?: string; host?: string }

export interface EventSeries {
  count?: number;
  /** MicroTime. */
  lastObservedTime?: string;
}

export interface Event extends KubeObject {
  metadata: ObjectMeta;
  involvedObject: ObjectReference;
  reason?: string;
  message?: string;
  source?: EventSource;
  firstTimestamp?: string | null;
  lastTimestamp?: string | null;
  count?: number;
  type?: string;
  /** MicroTime; null in events of the old API. */
  eventTime?: string | null;
  series?: EventSeries;
  action?: string;
  related?: ObjectReference;
  reportingComponent?: string;
  reportingInstance?: string;
}
