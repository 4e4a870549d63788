// Swagger 2.0 from OpenAPI v3 documents: the same paths and schemas in the older shape
// (schemas under `definitions`, body parameters, consumes/produces), for clients that
// still fetch /openapi/v2.
import { refPrefix, swagger2Primitives, type Schema } from './schemas.ts';

interface V3Document {
  info: Schema;
  paths: Record<string, Record<string, Schema>>;
  components: { schemas: Record<string, Schema> };
}

function parameterV2(p: Schema): Schema {
  const { schema, ...rest } = p as { schema?: Schema } & Schema;
  return { ...rest, ...(schema ?? {}) };
}

function operationV2(op: Schema): Schema {
  const { parameters, requestBody, responses, ...rest } = op as {
    parameters?: Schema[];
    requestBody?: { required?: boolean; content: Record<string, { schema: Schema }> };
    responses: Record<string, { description: string; content?: Record<string, { schema: Schema }> }>;
  } & Schema;
  const out: Schema = { ...rest };
  const ps = (parameters ?? []).map(parameterV2);
  if (requestBody) {
    const types = Object.keys(requestBody.content);
    out.consumes = types;
    ps.push({ name: 'body', in: 'body', required: requestBody.required ?? false, schema: requestBody.content[types[0]].schema });
  }
  if (ps.length) out.parameters = ps;
  const produces = new Set<string>();
  out.responses = Object.fromEntries(
    Object.entries(responses).map(([code, r]) => {
      const types = Object.keys(r.content ?? {});
      types.forEach((t) => produces.add(t));
      return [code, types.length ? { description: r.description, schema: r.content![types[0]].schema } : { description: r.description }];
    }),
  );
  if (produces.size) out.produces = [...produces];
  out.schemes = ['https'];
  return out;
}

/** Merges v3 documents into one Swagger 2.0 document (JSON text). */
export function toSwagger2(docs: V3Document[], info: Schema): string {
  const paths: Record<string, Record<string, Schema>> = {};
  const definitions: Record<string, Schema> = {};
  for (const doc of docs) {
    for (const [path, item] of Object.entries(doc.paths)) {
      paths[path] = Object.fromEntries(Object.entries(item).map(([method, op]) => [method, operationV2(op)]));
    }
    Object.assign(definitions, doc.components.schemas);
  }
  for (const [name, schema] of Object.entries(swagger2Primitives)) {
    const v3 = definitions[name];
    if (v3) definitions[name] = v3.description ? { description: v3.description, ...schema } : schema;
  }
  const sortedDefinitions = Object.fromEntries(Object.entries(definitions).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const swagger = {
    swagger: '2.0',
    info,
    paths,
    definitions: sortedDefinitions,
    securityDefinitions: { BearerToken: { type: 'apiKey', name: 'authorization', in: 'header', description: 'Bearer token: "Bearer <token>".' } },
    security: [{ BearerToken: [] }],
  };
  // Every reference points into the schemas, so one textual rewrite moves them all.
  return JSON.stringify(swagger).split(`"${refPrefix}`).join('"#/definitions/');
}
