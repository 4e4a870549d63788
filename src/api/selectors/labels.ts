// Label selectors as upstream's apimachinery labels package: the string syntax of
// `?labelSelector=` (`a=b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`, `a>1`), the
// metav1.LabelSelector form of objects (matchLabels, matchExpressions), and matching.
// Requirements are ANDed; a selector with none matches everything.
import { errors } from '../errors.ts';
import { fieldErrorMessage, type FieldError } from '../validation/field.ts';
import { labelValueErrors, qualifiedNameErrors } from './validation.ts';

/** Upstream's selection.Operator values. */
export type LabelOperator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';

export interface Requirement {
  readonly key: string;
  readonly operator: LabelOperator;
  readonly values: readonly string[];
}

export interface LabelSelector {
  readonly requirements: readonly Requirement[];
  /** Set only by selectorFromLabelSelector(null): upstream's labels.Nothing(). */
  readonly nothing?: boolean;
}

/** metav1.LabelSelector as it appears in objects (Service.spec.selector is a plain map instead). */
export interface MetaLabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

const binaryOperators: LabelOperator[] = ['in', 'notin', '=', '==', '!=', 'gt', 'lt'];

function aggregate(errs: FieldError[]): string {
  const msgs = errs.map(fieldErrorMessage);
  return msgs.length === 1 ? msgs[0] : `[${msgs.join(', ')}]`;
}

function keyError(key: string, path: string): FieldError | undefined {
  const errs = qualifiedNameErrors(key);
  return errs.length ? { type: 'FieldValueInvalid', field: path, value: key, detail: errs.join('; ') } : undefined;
}

/** Validates and builds one requirement, as upstream's NewRequirement; throws 400. */
export function newRequirement(key: string, operator: LabelOperator, values: readonly string[]): Requirement {
  const errs: FieldError[] = [];
  const k = keyError(key, 'key');
  if (k) errs.push(k);
  const invalid = (detail: string): FieldError => ({ type: 'FieldValueInvalid', field: 'values', value: values, detail });
  switch (operator) {
    case 'in':
    case 'notin':
      if (values.length === 0) errs.push(invalid("for 'in', 'notin' operators, values set can't be empty"));
      break;
    case '=':
    case '==':
    case '!=':
      if (values.length !== 1) errs.push(invalid('exact-match compatibility requires one single value'));
      break;
    case 'exists':
    case '!':
      if (values.length !== 0) errs.push(invalid('values set must be empty for exists and does not exist'));
      break;
    case 'gt':
    case 'lt':
      if (values.length !== 1) errs.push(invalid("for 'Gt', 'Lt' operators, exactly one value is required"));
      values.forEach((v, i) => {
        if (!/^[+-]?\d+$/.test(v)) errs.push({ type: 'FieldValueInvalid', field: `values[${i}]`, value: v, detail: "for 'Gt', 'Lt' operators, the value must be an integer" });
      });
      break;
    default:
      errs.push({ type: 'FieldValueNotSupported', field: 'operator', value: operator, detail: `supported values: ${[...binaryOperators, 'exists', '!'].map((o) => `"${o}"`).join(', ')}` });
  }
  values.forEach((v, i) => {
    const vErrs = labelValueErrors(v);
    if (vErrs.length) errs.push({ type: 'FieldValueInvalid', field: `values[${i}][${key}]`, value: v, detail: vErrs.join('; ') });
  });
  if (errs.length) throw errors.badRequest(aggregate(errs));
  return { key, operator, values: [...values] };
}

// ---- the string syntax ----

type Token = { kind: 'ident' | 'end' | '(' | ')' | ',' | '!' | '=' | '==' | '!=' | 'in' | 'notin' | '>' | '<'; text: string };

const specials = new Set(['=', '!', '(', ')', ',', '>', '<']);
const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\r' || c === '\n';

function tokenize(s: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  for (;;) {
    while (i < s.length && isSpace(s[i])) i++;
    if (i >= s.length) break;
    if (specials.has(s[i])) {
      const two = s.slice(i, i + 2);
      const text = two === '!=' || two === '==' ? two : s[i];
      tokens.push({ kind: text as Token['kind'], text });
      i += text.length;
      continue;
    }
    let j = i;
    while (j < s.length && !specials.has(s[j]) && !isSpace(s[j])) j++;
    const word = s.slice(i, j);
    tokens.push({ kind: word === 'in' || word === 'notin' ? word : 'ident', text: word });
    i = j;
  }
  tokens.push({ kind: 'end', text: '' });
  return tokens;
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  // In value position 'in' and 'notin' are plain words ('x in (in)').
  peek(asValue = true): Token {
    const t = this.tokens[this.pos];
    return asValue && (t.kind === 'in' || t.kind === 'notin') ? { kind: 'ident', text: t.text } : t;
  }

  next(asValue = true): Token {
    const t = this.peek(asValue);
    this.pos++;
    return t;
  }

  parse(): Requirement[] {
    const reqs: Requirement[] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind === 'end') return reqs;
      if (t.kind !== 'ident' && t.kind !== '!') throw new Error(`found '${t.text}', expected: !, identifier, or 'end of string'`);
      try {
        reqs.push(this.requirement());
      } catch (e) {
        throw new Error(`unable to parse requirement: ${(e as Error).message}`);
      }
      const after = this.next();
      if (after.kind === 'end') return reqs;
      if (after.kind !== ',') throw new Error(`found '${after.text}', expected: ',' or 'end of string'`);
      const t2 = this.peek();
      if (t2.kind !== 'ident' && t2.kind !== '!') throw new Error(`found '${t2.text}', expected: identifier after ','`);
    }
  }

  private requirement(): Requirement {
    let t = this.next();
    let unary: LabelOperator | undefined;
    if (t.kind === '!') {
      unary = '!';
      t = this.next();
    }
    if (t.kind !== 'ident') throw new Error(`found '${t.text}', expected: identifier`);
    const key = t.text;
    // Upstream validates the key here with no field path, hence its "<nil>".
    const k = keyError(key, '<nil>');
    if (k) throw new Error(fieldErrorMessage(k));
    const following = this.peek().kind;
    if (!unary && (following === 'end' || following === ',')) unary = 'exists';
    if (unary) return newRequirement(key, unary, []);

    const op = this.next(false);
    const operators: Partial<Record<Token['kind'], LabelOperator>> = { in: 'in', notin: 'notin', '=': '=', '==': '==', '!=': '!=', '>': 'gt', '<': 'lt' };
    const operator = operators[op.kind];
    if (!operator) throw new Error(`found '${op.text}', expected: ${binaryOperators.join(', ')}`);
    const values = operator === 'in' || operator === 'notin' ? this.valueSet() : this.exactValue();
    return newRequirement(key, operator, [...new Set(values)].sort());
  }

  private valueSet(): string[] {
    const open = this.next();
    if (open.kind !== '(') throw new Error(`found '${open.text}' expected: '('`);
    const first = this.peek();
    if (first.kind === ')') {
      this.next();
      return [''];
    }
    if (first.kind !== 'ident' && first.kind !== ',') throw new Error(`found '${first.text}', expected: ',', ')' or identifier`);
    const values: string[] = [];
    for (;;) {
      const t = this.next();
      if (t.kind === 'ident') {
        values.push(t.text);
        const t2 = this.peek();
        if (t2.kind === ',') continue;
        if (t2.kind === ')') break;
        throw new Error(`found '${t2.text}', expected: ',' or ')'`);
      } else if (t.kind === ',') {
        // Empty values are allowed: "(,a)", "(a,)", "(a,,b)".
        if (values.length === 0) values.push('');
        const t2 = this.peek();
        if (t2.kind === ')') {
          values.push('');
          break;
        }
        if (t2.kind === ',') {
          this.next();
          values.push('');
        }
      } else {
        throw new Error(`found '${t.text}', expected: ',', or identifier`);
      }
    }
    const close = this.next();
    if (close.kind !== ')') throw new Error(`found '${first.text}', expected: ')'`);
    return values;
  }

  private exactValue(): string[] {
    const t = this.peek();
    if (t.kind === 'end' || t.kind === ',') return [''];
    this.next();
    if (t.kind === 'ident') return [t.text];
    throw new Error(`found '${t.text}', expected: identifier`);
  }
}

function byKey(reqs: Requirement[]): Requirement[] {
  return reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Parses `?labelSelector=`; throws a 400 StatusError with upstream's message. */
export function parseLabelSelector(s: string): LabelSelector {
  try {
    return { requirements: byKey(new Parser(tokenize(s)).parse()) };
  } catch (e) {
    throw errors.badRequest((e as Error).message);
  }
}

// ---- other constructors ----

/** A selector matching exactly the given labels; empty or undefined matches everything. */
export function selectorFromSet(set: Record<string, string> | undefined): LabelSelector {
  const reqs = Object.entries(set ?? {}).map(([key, v]): Requirement => ({ key, operator: '=', values: [v] }));
  return { requirements: byKey(reqs) };
}

const metaOperators: Record<string, LabelOperator> = { In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' };

/** metav1.LabelSelector → selector; null/undefined matches nothing, `{}` everything. Throws 400. */
export function selectorFromLabelSelector(ls: MetaLabelSelector | null | undefined): LabelSelector {
  if (ls === null || ls === undefined) return { requirements: [], nothing: true };
  const reqs: Requirement[] = [];
  for (const [key, v] of Object.entries(ls.matchLabels ?? {})) reqs.push(newRequirement(key, '=', [v]));
  for (const expr of ls.matchExpressions ?? []) {
    const op = metaOperators[expr.operator];
    if (!op) throw errors.badRequest(`${JSON.stringify(expr.operator)} is not a valid label selector operator`);
    reqs.push(newRequirement(expr.key, op, expr.values ?? []));
  }
  return { requirements: byKey(reqs) };
}

/** True when the selector does not restrict anything (matches every object). */
export function isEmpty(sel: LabelSelector): boolean {
  return !sel.nothing && sel.requirements.length === 0;
}

// ---- matching ----

function matchesRequirement(r: Requirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const value = labels[r.key];
  switch (r.operator) {
    case 'in':
    case '=':
    case '==':
      return has && r.values.includes(value);
    case 'notin':
    case '!=':
      return !has || !r.values.includes(value);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (!has || !/^[+-]?\d+$/.test(value) || r.values.length !== 1) return false;
      const [a, b] = [BigInt(value), BigInt(r.values[0])];
      return r.operator === 'gt' ? a > b : a < b;
    }
  }
}

export function matchLabels(sel: LabelSelector, labels: Record<string, string> | undefined): boolean {
  if (sel.nothing) return false;
  const set = labels ?? {};
  return sel.requirements.every((r) => matchesRequirement(r, set));
}

/** Upstream's String(): 'a=b,c in (x,y),!d'. */
export function labelSelectorString(sel: LabelSelector): string {
  return sel.requirements
    .map((r) => {
      switch (r.operator) {
        case 'exists':
          return r.key;
        case '!':
          return `!${r.key}`;
        case 'in':
        case 'notin':
          return `${r.key} ${r.operator} (${[...r.values].sort().join(',')})`;
        case 'gt':
          return `${r.key}>${r.values[0]}`;
        case 'lt':
          return `${r.key}<${r.values[0]}`;
        default:
          return `${r.key}${r.operator}${r.values[0]}`;
      }
    })
    .join(',');
}
