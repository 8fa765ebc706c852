import { Ajv, type AnySchema, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { readText } from './read-text';

// ajv-formats is CommonJS; under ESM its function sits on `default`.
const addFormats =
  (addFormatsModule as unknown as { default: typeof addFormatsModule }).default ?? addFormatsModule;

export interface EnvSchema {
  properties: Record<string, PropertySchema>;
  required: string[];
  validate: ValidateFunction;
}

export interface PropertySchema {
  type?: string | string[];
  [keyword: string]: unknown;
}

/** Thrown for a schema that cannot be used; the message says which problem and how to fix it. */
export class SchemaError extends Error {}

/** Reads, parses and compiles the schema file, turning each kind of failure into a clear message. */
export function loadSchema(path: string): EnvSchema {
  const text = readText(
    path,
    'schema file',
    'Set `schema` to a JSON Schema file in the repository (paths are relative to the workspace).',
  );
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new SchemaError(`The schema file \`${path}\` is not valid JSON: ${(error as Error).message}.`);
  }
  return compileSchema(json, path);
}

export function compileSchema(json: unknown, path = 'schema'): EnvSchema {
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new SchemaError(`The schema \`${path}\` must be a JSON object with \`properties\`.`);
  const schema = json as { $schema?: string; properties?: unknown; required?: unknown };
  if (typeof schema.properties !== 'object' || schema.properties === null || Array.isArray(schema.properties))
    throw new SchemaError(
      `The schema \`${path}\` has no \`properties\` object: list each variable name under \`properties\` with its type.`,
    );
  const ajv = newAjv(schema.$schema);
  if (!ajv.validateSchema(json as AnySchema))
    throw new SchemaError(
      `The schema \`${path}\` is not a valid JSON Schema: ${ajv.errorsText(ajv.errors)}.`,
    );
  let validate: ValidateFunction;
  try {
    validate = ajv.compile(json as AnySchema);
  } catch (error) {
    throw new SchemaError(`The schema \`${path}\` cannot be compiled: ${(error as Error).message}.`);
  }
  const required = Array.isArray(schema.required)
    ? schema.required.filter((n): n is string => typeof n === 'string')
    : [];
  return { properties: schema.properties as Record<string, PropertySchema>, required, validate };
}

function newAjv(dialect: string | undefined) {
  // Strict schema mode: an unknown keyword or format is a mistake in the schema, not something
  // to skip silently. Type strictness stays off: generated schemas (zod) are valid but loose.
  const options = {
    allErrors: true,
    strictTypes: false,
    strictTuples: false,
    strictRequired: false,
    logger: false,
  } as const;
  const ajv = dialect?.includes('2020-12') ? new Ajv2020(options) : new Ajv(options);
  addFormats(ajv);
  return ajv;
}
