import { isDeepStrictEqual } from 'node:util';

export type Combination = Record<string, unknown>;

/**
 * Expands an evaluated `strategy.matrix` the way GitHub documents it: the cartesian product of the
 * vectors (first key outermost), minus every combination an `exclude` entry matches (all of its
 * keys equal), then each `include` entry added to every original combination whose original values
 * it does not overwrite, or appended as a combination of its own when it fits none.
 */
export function expandMatrix(matrix: unknown): Combination[] {
  if (matrix === undefined || matrix === null) return [{}];
  if (typeof matrix !== 'object' || Array.isArray(matrix))
    throw new Error('strategy.matrix must be a mapping (or an expression that evaluates to one)');
  const { include, exclude, ...vectors } = matrix as Record<string, unknown>;
  for (const [key, values] of Object.entries(vectors)) {
    if (!Array.isArray(values)) throw new Error(`Matrix vector '${key}' must be a sequence`);
    if (values.length === 0) throw new Error(`Matrix vector '${key}' does not contain any values`);
  }
  let combinations: Combination[] = Object.keys(vectors).length ? [{}] : [];
  for (const [key, values] of Object.entries(vectors))
    combinations = combinations.flatMap((c) => (values as unknown[]).map((v) => ({ ...c, [key]: v })));
  for (const entry of list(exclude, 'exclude'))
    combinations = combinations.filter((c) => !Object.entries(entry).every(([k, v]) => matches(c[k], v)));

  const originalKeys = new Set(Object.keys(vectors));
  const base = combinations.map((c) => ({ ...c }));
  const extra: Combination[] = [];
  for (const entry of list(include, 'include')) {
    let fitted = false;
    for (const combination of base) {
      const fits = Object.entries(entry).every(
        ([k, v]) => !originalKeys.has(k) || isDeepStrictEqual(combination[k], v),
      );
      if (!fits) continue;
      Object.assign(combination, entry);
      fitted = true;
    }
    if (!fitted) extra.push({ ...entry });
  }
  const result = [...base, ...extra];
  if (result.length > 256)
    throw new Error(`a matrix may have at most 256 jobs (this one has ${result.length})`);
  return result;
}

/** An exclude entry's value matches a combination's value; objects match by their listed keys. */
function matches(actual: unknown, wanted: unknown): boolean {
  if (wanted && typeof wanted === 'object' && actual && typeof actual === 'object' && !Array.isArray(wanted))
    return Object.entries(wanted).every(([k, v]) => matches((actual as Record<string, unknown>)[k], v));
  return isDeepStrictEqual(actual, wanted);
}

function list(value: unknown, name: string): Combination[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => !v || typeof v !== 'object' || Array.isArray(v)))
    throw new Error(`strategy.matrix.${name} must be a list of mappings`);
  return value as Combination[];
}

/** The job name GitHub shows for a matrix job without `name:`: `id (value, value, ...)`. */
export function matrixLabel(combination: Combination): string {
  return Object.values(combination)
    .map((v) => (v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v)))
    .join(', ');
}
