export interface Point {
  t: number;
  [key: string]: number | undefined;
}
export function mergePoints<P extends Point>(series: P[], update: P[], windowSeconds: number): P[];
export function toColumns(points: Point[], keys: (string | number)[]): (number | null)[][];
