// Field selectors as upstream's apimachinery fields package: `field=value`, `field==value`,
// `field!=value` terms joined by ','; in values, '\,' '\=' and '\\' escape. A missing field
// reads as the empty string. Which fields a resource supports is the server's decision: it
// asks fieldsUsed() and answers fieldLabelNotSupported() for the others.
import { errors, type StatusError } from '../errors.ts';

export interface FieldTerm {
  readonly field: string;
  /** '==' parses as '='. */
  readonly operator: '=' | '!=';
  readonly value: string;
}

export interface FieldSelector {
  readonly terms: readonly FieldTerm[];
}

// Checked in this order at each position, so the leftmost operator wins and '!=' beats '='.
const termOperators = ['!=', '==', '='] as const;

/** Splits on commas not escaped by a backslash. */
function splitTerms(s: string): string[] {
  const terms: string[] = [];
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\') i++;
    else if (s[i] === ',') {
      terms.push(s.slice(start, i));
      start = i + 1;
    }
  }
  terms.push(s.slice(start));
  return terms;
}

function splitTerm(term: string): [string, (typeof termOperators)[number], string] | undefined {
  for (let i = 0; i < term.length; i++) {
    if (term[i] === '\\') {
      i++;
      continue;
    }
    for (const op of termOperators) if (term.startsWith(op, i)) return [term.slice(0, i), op, term.slice(i + op.length)];
  }
  return undefined;
}

/** Upstream's UnescapeValue, with its messages (its "%v" prints the rune as a number). */
function unescapeValue(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') {
      const next = s[i + 1];
      if (next === '\\' || next === ',' || next === '=') {
        out += next;
        i++;
        continue;
      }
      throw errors.badRequest(`invalid field selector: invalid escape sequence: \\${next ?? ''}`);
    }
    if (c === ',' || c === '=') throw errors.badRequest(`invalid field selector: unescaped character in value: ${c.codePointAt(0)}`);
    out += c;
  }
  return out;
}

export function escapeFieldValue(value: string): string {
  return value.replace(/[\\,=]/g, (c) => `\\${c}`);
}

/** Parses `?fieldSelector=`; throws a 400 StatusError. '' selects everything. */
export function parseFieldSelector(s: string): FieldSelector {
  const terms: FieldTerm[] = [];
  for (const part of splitTerms(s).sort()) {
    if (part === '') continue;
    const split = splitTerm(part);
    if (!split) throw errors.badRequest(`invalid selector: '${s}'; can't understand '${part}'`);
    const [field, op, raw] = split;
    terms.push({ field, operator: op === '!=' ? '!=' : '=', value: unescapeValue(raw) });
  }
  return { terms };
}

export function selectorFromFields(set: Record<string, string>): FieldSelector {
  return { terms: Object.entries(set).map(([field, value]) => ({ field, operator: '=' as const, value })) };
}

export function matchFields(sel: FieldSelector, fields: Record<string, string>): boolean {
  return sel.terms.every((t) => ((fields[t.field] ?? '') === t.value) === (t.operator === '='));
}

/** The value a selector requires for `field` (`spec.nodeName=n1` → 'n1'), for index lookups. */
export function requiredValue(sel: FieldSelector, field: string): string | undefined {
  return sel.terms.find((t) => t.field === field && t.operator === '=')?.value;
}

/** The distinct fields a selector reads, in order. */
export function fieldsUsed(sel: FieldSelector): string[] {
  return [...new Set(sel.terms.map((t) => t.field))];
}

export function isEmptyFieldSelector(sel: FieldSelector): boolean {
  return sel.terms.length === 0;
}

/** Upstream's 400 for a field a resource cannot select on. */
export function fieldLabelNotSupported(field: string): StatusError {
  return errors.badRequest(`field label not supported: ${field}`);
}

export function fieldSelectorString(sel: FieldSelector): string {
  return sel.terms.map((t) => `${t.field}${t.operator}${escapeFieldValue(t.value)}`).join(',');
}
