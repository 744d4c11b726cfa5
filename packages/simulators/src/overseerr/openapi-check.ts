/**
 * Test support: checks a JSON value against a schema from Overseerr's own OpenAPI document
 * (`../shared/fixtures/overseerr/overseerr-api.yml` beside the checkout, or `OVERSEERR_OPENAPI`). Types, `nullable`,
 * `enum`, `required`, `anyOf`/`oneOf`/`allOf` and `$ref` — the subset that document uses.
 */

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

type Schema = {
  $ref?: string;
  type?: string;
  nullable?: boolean;
  enum?: unknown[];
  required?: string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
};

type Doc = {
  components: { schemas: Record<string, Schema> };
  paths: Record<
    string,
    Record<string, { responses?: Record<string, { content?: Record<string, { schema?: Schema }> }> }>
  >;
};

export const OPENAPI_PATH =
  process.env.OVERSEERR_OPENAPI ??
  fileURLToPath(new URL('../../../../../shared/fixtures/overseerr/overseerr-api.yml', import.meta.url));

let doc: Doc | undefined;
function load(): Doc {
  doc ??= parse(readFileSync(OPENAPI_PATH, 'utf8')) as Doc;
  return doc;
}

export function componentSchema(name: string): Schema {
  const s = load().components.schemas[name];
  if (!s) throw new Error(`no schema ${name}`);
  return s;
}

export function responseSchema(path: string, method: string, status: string): Schema {
  const op = load().paths[path]?.[method.toLowerCase()];
  const schema = op?.responses?.[status]?.content?.['application/json']?.schema;
  if (!schema) throw new Error(`no response schema for ${method} ${path} ${status}`);
  return schema;
}

function deref(s: Schema): Schema {
  let cur = s;
  while (cur.$ref) {
    const name = cur.$ref.replace('#/components/schemas/', '');
    cur = componentSchema(name);
  }
  return cur;
}

function typeOk(type: string, v: unknown): boolean {
  switch (type) {
    case 'integer':
      return Number.isInteger(v);
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'string':
      return typeof v === 'string';
    case 'boolean':
      return typeof v === 'boolean';
    case 'array':
      return Array.isArray(v);
    case 'object':
      return v !== null && typeof v === 'object' && !Array.isArray(v);
    default:
      return true;
  }
}

/**
 * Nullable database columns that Overseerr serialises as `null` although its document does not
 * mark them `nullable` (it validates requests, never responses).
 */
export const NULLABLE_COLUMNS = new Set([
  'username',
  'plexUsername',
  'plexId',
  'serverId',
  'profileId',
  'rootFolder',
  'languageProfileId',
  'tags',
  'imdbId',
  'mediaAddedAt',
  'ratingKey',
]);

/** All mismatches between `value` and `schema`, as `path: problem` strings (empty when valid). */
export function check(value: unknown, schema: Schema, path = '$'): string[] {
  const s = deref(schema);
  if (s.allOf) return s.allOf.flatMap((sub) => check(value, sub, path));
  if (value === null && NULLABLE_COLUMNS.has(path.slice(path.lastIndexOf('.') + 1))) return [];
  if (s.anyOf || s.oneOf) {
    const options = (s.anyOf ?? s.oneOf) as Schema[];
    const results = options.map((sub) => check(value, sub, path));
    return results.some((r) => r.length === 0)
      ? []
      : [`${path}: matches none of ${options.length} alternatives`];
  }
  if (value === null) return s.nullable ? [] : [`${path}: null but not nullable`];
  if (s.type && !typeOk(s.type, value)) return [`${path}: expected ${s.type}, got ${JSON.stringify(value)}`];
  if (s.enum && !s.enum.includes(value)) return [`${path}: ${JSON.stringify(value)} not in enum`];
  const errors: string[] = [];
  if (Array.isArray(value) && s.items) {
    value.forEach((item, i) => {
      errors.push(...check(item, s.items as Schema, `${path}[${i}]`));
    });
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    for (const req of s.required ?? []) if (!(req in obj)) errors.push(`${path}.${req}: required`);
    for (const [key, sub] of Object.entries(s.properties ?? {})) {
      if (key in obj && obj[key] !== undefined) errors.push(...check(obj[key], sub, `${path}.${key}`));
    }
  }
  return errors;
}

/** Property names the schema declares that `value` lacks. */
export function missingKeys(value: Record<string, unknown>, schema: Schema): string[] {
  const s = deref(schema);
  return Object.keys(s.properties ?? {}).filter((k) => !(k in value));
}
