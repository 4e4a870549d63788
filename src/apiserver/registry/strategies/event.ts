// The core/v1 event strategy: the involved object's namespace must match, the field
// selectors kubectl and controllers use, and the `kubectl get events` table.
import type { Event, ObjectReference } from '../../../api/core/index.ts';
import { field, type FieldError } from '../../../api/validation/field.ts';
import { selectableFields, type Strategy } from '../strategy.ts';
import { since } from './common.ts';

export function validateEvent(ev: Event): FieldError[] {
  const errs: FieldError[] = [];
  const involvedNs = ev.involvedObject?.namespace ?? '';
  const ns = ev.metadata.namespace ?? '';
  if (!involvedNs) {
    // Events about cluster-scoped objects live in "default" (or no namespace, for old clients).
    if (ns !== '' && ns !== 'default') errs.push(field.invalid('involvedObject.namespace', involvedNs, 'does not match event.namespace'));
  } else if (ns !== involvedNs) {
    errs.push(field.invalid('involvedObject.namespace', involvedNs, 'does not match event.namespace'));
  }
  if (ev.type !== undefined && ev.type !== '' && ev.type !== 'Normal' && ev.type !== 'Warning') {
    errs.push(field.notSupported('type', ev.type, ['Normal', 'Warning']));
  }
  return errs;
}

const involved = (ev: Event, field: keyof ObjectReference) => ev.involvedObject?.[field] ?? '';

export const eventFields = selectableFields<Event>({
  'involvedObject.kind': (ev) => involved(ev, 'kind'),
  'involvedObject.namespace': (ev) => involved(ev, 'namespace'),
  'involvedObject.name': (ev) => involved(ev, 'name'),
  'involvedObject.uid': (ev) => involved(ev, 'uid'),
  'involvedObject.apiVersion': (ev) => involved(ev, 'apiVersion'),
  'involvedObject.resourceVersion': (ev) => involved(ev, 'resourceVersion'),
  'involvedObject.fieldPath': (ev) => involved(ev, 'fieldPath'),
  reason: (ev) => ev.reason ?? '',
  reportingComponent: (ev) => ev.reportingComponent ?? '',
  source: (ev) => ev.source?.component ?? '',
  type: (ev) => ev.type ?? '',
});

function eventSource(ev: Event): string {
  const component = ev.source?.component || ev.reportingComponent || '';
  const host = ev.source?.host || ev.reportingInstance || '';
  return host ? `${component}, ${host}` : component;
}

export interface EventTimes {
  lastSeen: string;
  firstSeen: string;
  count: number;
}

export function eventTimes(ev: Event, now: Date): EventTimes {
  const firstSeen = ev.firstTimestamp ? since(ev.firstTimestamp, now) : since(ev.eventTime, now);
  let lastSeen = ev.lastTimestamp ? since(ev.lastTimestamp, now) : firstSeen;
  let count = ev.count ?? 0;
  if (ev.series) {
    lastSeen = since(ev.series.lastObservedTime, now);
    count = ev.series.count ?? count;
  } else if (count === 0) {
    count = 1; // singleton events of the events.k8s.io API carry no count
  }
  return { lastSeen, firstSeen, count };
}

export const eventStrategy: Strategy<Event> = {
  validate: validateEvent,
  validateUpdate: validateEvent,
  ...eventFields,
  table: {
    columns: [
      { name: 'Last Seen', type: 'string', description: 'The time at which the most recent occurrence of this event was recorded.' },
      { name: 'Type', type: 'string', description: 'Type of this event (Normal, Warning), new types could be added in the future.' },
      { name: 'Reason', type: 'string', description: 'This should be a short, machine understandable string that gives the reason for the transition into the object\'s current status.' },
      { name: 'Object', type: 'string', description: 'The object that this event is about.' },
      { name: 'Subobject', type: 'string', priority: 1, description: 'The field of the object that this event is about.' },
      { name: 'Source', type: 'string', priority: 1, description: 'The component reporting this event.' },
      { name: 'Message', type: 'string', description: 'A human-readable description of the status of this operation.' },
      { name: 'First Seen', type: 'string', priority: 1, description: 'The time at which the event was first recorded.' },
      { name: 'Count', type: 'string', priority: 1, description: 'The number of times this event has occurred.' },
      { name: 'Name', type: 'string', priority: 1, description: 'Name must be unique within a namespace.' },
    ],
    cells(ev, now) {
      const t = eventTimes(ev, now);
      const io: ObjectReference = ev.involvedObject ?? {};
      const kind = String(io.kind ?? '').toLowerCase();
      const target = io.name ? `${kind}/${io.name}` : kind;
      return [t.lastSeen, ev.type ?? '', ev.reason ?? '', target, io.fieldPath ?? '', eventSource(ev), String(ev.message ?? '').trim(), t.firstSeen, t.count, ev.metadata.name];
    },
  },
  bumpsGeneration: () => false,
};
