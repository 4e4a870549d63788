// Label and field selectors of a list or watch, compiled once into a predicate.
import type { KubeObject } from '../../api/object.ts';
import { fieldLabelNotSupported, fieldsUsed, matchFields, parseFieldSelector, requiredValue } from '../../api/selectors/fields.ts';
import { matchLabels, parseLabelSelector, isEmpty } from '../../api/selectors/labels.ts';
import type { ResourceInfo } from './resources.ts';
import type { Strategy } from './strategy.ts';

export interface Selectors<T extends KubeObject = KubeObject> {
  empty: boolean;
  matches(obj: T): boolean;
  /** A field the watch cache indexes, when the selector pins it to one value. */
  indexValue?: { field: string; value: string };
}

/** Field-selector values of an object: metadata.name/namespace plus the strategy's own. */
export function objectFields<T extends KubeObject>(info: ResourceInfo, strategy: Strategy<T>, obj: T): Record<string, string> {
  const fields: Record<string, string> = { 'metadata.name': obj.metadata.name ?? '' };
  if (info.namespaced) fields['metadata.namespace'] = obj.metadata.namespace ?? '';
  return Object.assign(fields, strategy.fields?.(obj));
}

const indexedFields = ['spec.nodeName'];

/** Field selectors an object of the resource supports: metadata.name (and namespace) and the strategy's. */
function supportedFields<T extends KubeObject>(info: ResourceInfo, strategy: Strategy<T>): Set<string> {
  return new Set(['metadata.name', ...(info.namespaced ? ['metadata.namespace'] : []), ...(strategy.fieldNames ?? [])]);
}

export function compileSelectors<T extends KubeObject>(info: ResourceInfo, strategy: Strategy<T>, labelSelector?: string, fieldSelector?: string): Selectors<T> {
  const labels = labelSelector ? parseLabelSelector(labelSelector) : undefined;
  const fields = fieldSelector ? parseFieldSelector(fieldSelector) : undefined;
  if (fields) {
    const supported = supportedFields(info, strategy);
    for (const f of fieldsUsed(fields)) {
      if (!supported.has(f)) throw fieldLabelNotSupported(f);
    }
  }
  const noLabels = !labels || isEmpty(labels);
  const noFields = !fields || fieldsUsed(fields).length === 0;
  let indexValue: Selectors['indexValue'];
  for (const f of indexedFields) {
    const v = fields && requiredValue(fields, f);
    if (v !== undefined) indexValue = { field: f, value: v };
  }
  return {
    empty: noLabels && noFields,
    indexValue,
    matches: (obj) =>
      (noLabels || matchLabels(labels!, obj.metadata.labels)) && (noFields || matchFields(fields!, objectFields(info, strategy, obj))),
  };
}
