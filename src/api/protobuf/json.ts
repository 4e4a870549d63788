// Converts a decoded Kubernetes protobuf message into the JSON shape Go's encoding/json
// gives the same struct. Go's protobuf marshalling writes every non-pointer scalar and
// embedded struct, and leaves out nil pointers, slices and maps; so on decode:
// - a scalar present at its zero value is dropped unless marked (keep) (pointer, or no omitempty);
// - an embedded message present is always written (Go never omits a struct), flattened if (inline);
// - empty lists and maps are left out;
// - Time/MicroTime become RFC 3339 strings (null for the zero time), Quantity a string,
//   IntOrString a number or string, bytes base64, int64 a number.
import protobuf from 'protobufjs';

const special = {
  time: '.k8s.io.apimachinery.pkg.apis.meta.v1.Time',
  microTime: '.k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime',
  quantity: '.k8s.io.apimachinery.pkg.api.resource.Quantity',
  intOrString: '.k8s.io.apimachinery.pkg.util.intstr.IntOrString',
};

type Decoded = Record<string, unknown>;

const has = (m: object, k: string) => Object.prototype.hasOwnProperty.call(m, k);

function toNumber(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v && typeof v === 'object' && 'low' in v && 'high' in v) return protobuf.util.LongBits.from(v as protobuf.Long).toNumber();
  return Number(v);
}

function scalar(type: string, v: unknown): unknown {
  switch (type) {
    case 'int64':
    case 'uint64':
    case 'sint64':
    case 'fixed64':
    case 'sfixed64':
      return toNumber(v);
    case 'bytes':
      return Buffer.from(v as Uint8Array).toString('base64');
    default:
      return v;
  }
}

function isZero(v: unknown): boolean {
  return v === 0 || v === '' || v === false;
}

/** Go formats a Time to the second and a MicroTime to the microsecond, both in UTC. */
function formatTime(m: Decoded, micro: boolean): string | null {
  if (!has(m, 'seconds') && !has(m, 'nanos')) return null;
  const seconds = toNumber(m.seconds ?? 0);
  const base = new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, '');
  if (!micro) return `${base}Z`;
  const micros = Math.floor(toNumber(m.nanos ?? 0) / 1000);
  return `${base}.${String(micros).padStart(6, '0')}Z`;
}

/** The JSON value of a decoded message: special types become scalars, others objects. */
export function messageToJson(type: protobuf.Type, m: Decoded): unknown {
  switch (type.fullName) {
    case special.time:
      return formatTime(m, false);
    case special.microTime:
      return formatTime(m, true);
    case special.quantity:
      return typeof m.string === 'string' && m.string !== '' ? m.string : '0';
    case special.intOrString:
      return toNumber(m.type ?? 0) === 1 ? (m.strVal ?? '') : (m.intVal ?? 0);
  }
  return toJson(type, m);
}

function value(field: protobuf.Field, v: unknown): unknown {
  const t = field.resolvedType;
  return t instanceof protobuf.Type ? messageToJson(t, v as Decoded) : scalar(field.type, v);
}

/** The JSON object for a decoded message of `type`. */
export function toJson(type: protobuf.Type, m: Decoded): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of type.fieldsArray) {
    const name = field.name;
    if (field instanceof protobuf.MapField) {
      const entries = Object.entries((m[name] ?? {}) as Record<string, unknown>);
      if (entries.length) out[name] = Object.fromEntries(entries.map(([k, v]) => [k, value(field, v)]));
      continue;
    }
    if (field.repeated) {
      const items = (m[name] ?? []) as unknown[];
      if (items.length) out[name] = items.map((v) => value(field, v));
      continue;
    }
    if (!has(m, name)) continue;
    const v = value(field, m[name]);
    if (field.resolvedType instanceof protobuf.Type) {
      if (field.options?.['(inline)'] && v && typeof v === 'object') Object.assign(out, v);
      else out[name] = v;
    } else if (!isZero(v) || field.options?.['(keep)']) {
      out[name] = v;
    }
  }
  return out;
}
