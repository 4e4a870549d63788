// Kubernetes resource quantities ("100m", "1.5Gi", "2e3"): exact parsing, canonical
// formatting and comparison. Values are held as a BigInt count of nano-units, the finest
// precision upstream keeps (anything finer is rounded up, as upstream does).

export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

export interface Quantity {
  /** The value in units of 1e-9 (so "1" is 1_000_000_000n and "1m" is 1_000_000n). */
  readonly nanos: bigint;
  /** The notation it was written in; canonical formatting keeps it. */
  readonly format: QuantityFormat;
}

const formatPattern = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';

export class QuantityError extends Error {
  constructor(
    readonly value: string,
    readonly reason: string,
  ) {
    super(`quantity ${JSON.stringify(value)}: ${reason}`);
  }
}

export const quantityErrors = {
  format: `quantities must match the regular expression '${formatPattern}'`,
  numeric: 'unable to parse numeric part of quantity',
  suffix: "unable to parse quantity's suffix",
};

const NANO = 1_000_000_000n;
const binarySuffixes = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'];
const decimalSuffixes: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

function pow10(e: number): bigint {
  return 10n ** BigInt(e);
}

/** a / b rounded away from zero (upstream rounds sub-nano values up). */
function divRoundUp(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b === 0n ? q : a < 0n ? q - 1n : q + 1n;
}

/** Parse a quantity from its string (or, as JSON allows, number) form. Throws QuantityError. */
export function parseQuantity(input: string | number): Quantity {
  const text = typeof input === 'number' ? numberToText(input) : input;
  if (typeof text !== 'string' || text.length === 0) throw new QuantityError(String(input), quantityErrors.format);
  const m = new RegExp(formatPattern).exec(text);
  if (!m) throw new QuantityError(text, quantityErrors.format);
  let [, num, suffix] = m;
  let sign = 1n;
  if (num[0] === '+' || num[0] === '-') {
    if (num[0] === '-') sign = -1n;
    num = num.slice(1);
  }
  const pieces = num.split('.');
  if (pieces.length > 2 || num === '.' || num === '') throw new QuantityError(text, quantityErrors.numeric);
  const [whole, frac = ''] = pieces;
  const mantissa = BigInt(`${whole}${frac}` || '0');
  let format: QuantityFormat = 'DecimalSI';
  let binaryPower = 0;
  let exponent = 0;
  if (binarySuffixes.includes(suffix) && suffix !== '') {
    format = 'BinarySI';
    binaryPower = binarySuffixes.indexOf(suffix) * 10;
  } else if (suffix in decimalSuffixes) {
    exponent = decimalSuffixes[suffix];
  } else if (/^[eE][-+]?[0-9]+$/.test(suffix)) {
    format = 'DecimalExponent';
    exponent = Number(suffix.slice(1));
  } else {
    throw new QuantityError(text, quantityErrors.suffix);
  }
  let value = mantissa * 2n ** BigInt(binaryPower);
  const shift = 9 - frac.length + exponent;
  value = shift >= 0 ? value * pow10(shift) : divRoundUp(value, pow10(-shift));
  return { nanos: sign * value, format };
}

function numberToText(n: number): string {
  if (!Number.isFinite(n)) return String(n);
  // JSON numbers like 0.5 or 1e21: render without exponent surprises.
  return Number.isInteger(n) && Math.abs(n) < 1e21 ? BigInt(n).toString() : String(n);
}

/** Parse, returning undefined for invalid input. */
export function tryParseQuantity(input: unknown): Quantity | undefined {
  if (typeof input !== 'string' && typeof input !== 'number') return undefined;
  try {
    return parseQuantity(input);
  } catch {
    return undefined;
  }
}

/** Whole base units, rounded up (upstream's Value()): bytes, or cores for CPU. */
export function quantityValue(q: Quantity): number {
  return Number(divRoundUp(q.nanos, NANO));
}

/** Milli-units, rounded up (upstream's MilliValue()): millicores for CPU. */
export function quantityMilliValue(q: Quantity): number {
  return Number(divRoundUp(q.nanos, 1_000_000n));
}

export function compareQuantities(a: Quantity, b: Quantity): -1 | 0 | 1 {
  return a.nanos < b.nanos ? -1 : a.nanos > b.nanos ? 1 : 0;
}

export function addQuantities(a: Quantity, b: Quantity): Quantity {
  return { nanos: a.nanos + b.nanos, format: a.format };
}

export function quantityFromValue(units: number | bigint, format: QuantityFormat = 'DecimalSI'): Quantity {
  return { nanos: BigInt(units) * NANO, format };
}

export function quantityFromMilli(milli: number | bigint, format: QuantityFormat = 'DecimalSI'): Quantity {
  return { nanos: BigInt(milli) * 1_000_000n, format };
}

/** Upstream's canonical string: the largest suffix that keeps an integer mantissa. */
export function formatQuantity(q: Quantity): string {
  if (q.nanos === 0n) return '0';
  const sign = q.nanos < 0n ? '-' : '';
  const abs = q.nanos < 0n ? -q.nanos : q.nanos;
  if (q.format === 'BinarySI' && abs >= 1024n * NANO && abs % NANO === 0n) {
    let units = abs / NANO;
    let i = 0;
    while (i < binarySuffixes.length - 1 && units % 1024n === 0n) {
      units /= 1024n;
      i++;
    }
    return `${sign}${units}${binarySuffixes[i]}`;
  }
  // Decimal: the largest multiple-of-3 exponent (from nano up to exa) that divides exactly.
  let exp = -9;
  let mantissa = abs;
  while (exp < 18 && mantissa % 1000n === 0n) {
    mantissa /= 1000n;
    exp += 3;
  }
  if (q.format === 'DecimalExponent') return `${sign}${mantissa}${exp === 0 ? '' : `e${exp}`}`;
  const suffix = Object.entries(decimalSuffixes).find(([, e]) => e === exp)![0];
  return `${sign}${mantissa}${suffix}`;
}

/** Canonical form of a quantity string, or the input unchanged when it is not one. */
export function canonicalQuantity(input: string | number): string {
  const q = tryParseQuantity(input);
  return q ? formatQuantity(q) : String(input);
}
