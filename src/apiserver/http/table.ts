// Server-side printing: the meta.k8s.io/v1 Table that `kubectl get` asks for.
import type { KubeObject, ListMeta } from '../../api/object.ts';
import type { ResourceInfo } from '../registry/resources.ts';
import type { Strategy, TableColumn, TableConvertor } from '../registry/strategy.ts';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

function age(obj: KubeObject): string {
  return obj.metadata.creationTimestamp ?? '';
}

// Without columns of its own a resource shows NAME and CREATED AT, as upstream's default.
const defaultTable: TableConvertor = {
  columns: [
    { name: 'Name', type: 'string', format: 'name' },
    { name: 'Created At', type: 'date' },
  ],
  cells: (obj) => [obj.metadata.name, age(obj)],
};

export function tableConvertor<T extends KubeObject>(strategy: Strategy<T>): TableConvertor<T> {
  return strategy.table ?? defaultTable;
}

function columnDefinition(c: TableColumn): object {
  return { name: c.name, type: c.type, format: c.format ?? '', description: c.description ?? '', priority: c.priority ?? 0 };
}

function rowObject(obj: KubeObject, include: IncludeObject): object | undefined {
  if (include === 'None') return undefined;
  if (include === 'Object') return obj;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
}

export function toTable<T extends KubeObject>(
  info: ResourceInfo,
  strategy: Strategy<T>,
  objects: T[],
  listMeta: ListMeta,
  opts: { include: IncludeObject; columns: boolean; now?: Date },
): object {
  const convertor = tableConvertor(strategy);
  const now = opts.now ?? new Date();
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: listMeta,
    ...(opts.columns ? { columnDefinitions: convertor.columns.map(columnDefinition) } : {}),
    rows: objects.map((obj) => {
      const object = rowObject(obj, opts.include);
      return { cells: convertor.cells(obj, now), ...(object ? { object } : {}) };
    }),
  };
}

