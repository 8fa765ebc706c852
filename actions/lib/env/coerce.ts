import type { PropertySchema } from './schema';

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Environment values are strings: convert one the way an app reading the variable
 * would, guided by the property's declared type. A value that does not convert is
 * returned unchanged, so the schema's type check reports it.
 */
export function coerce(value: string, property: PropertySchema | undefined): unknown {
  const types = declaredTypes(property);
  if (types.includes('string') || types.length === 0) return value;
  const trimmed = value.trim();
  if ((types.includes('integer') || types.includes('number')) && NUMBER.test(trimmed)) return Number(trimmed);
  if (types.includes('boolean')) {
    const lower = trimmed.toLowerCase();
    if (TRUE.has(lower)) return true;
    if (FALSE.has(lower)) return false;
  }
  return value;
}

function declaredTypes(property: PropertySchema | undefined): string[] {
  if (!property) return [];
  if (Array.isArray(property.type)) return property.type;
  if (typeof property.type === 'string') return [property.type];
  // zod and others express unions with anyOf/oneOf: look one level down.
  const branches = [property.anyOf, property.oneOf].flat().filter(Boolean) as PropertySchema[];
  return branches.flatMap((branch) => declaredTypes(branch));
}
