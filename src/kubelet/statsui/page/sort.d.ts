export interface SortableRow {
  namespace: string;
  name: string;
  [key: string]: unknown;
}
export function sortRows<R extends SortableRow>(rows: R[], key: string, desc: boolean): R[];
