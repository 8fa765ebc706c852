import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/**
 * The defaults an action declares in its action.yml, the one place they live. The runner passes a
 * default only for an input that `with:` leaves out; a workflow that passes an empty value (an
 * unset `vars.X`) gets the same default from `Inputs`. Expression defaults (`${{ github.token }}`)
 * are the runner's to evaluate, so they are left out.
 */
export function actionDefaults(actionYml: string): Record<string, string> {
  const metadata = parse(readFileSync(actionYml, 'utf8')) as {
    inputs?: Record<string, { default?: unknown } | null>;
  };
  const defaults: Record<string, string> = {};
  for (const [name, spec] of Object.entries(metadata.inputs ?? {})) {
    const value = spec?.default;
    if (value === undefined || value === null) continue;
    const text = String(value);
    if (!text.includes('${{')) defaults[name] = text;
  }
  return defaults;
}

/**
 * The action.yml of the action a module belongs to, from the module's `import.meta.url`: one level
 * above its folder, which is `actions/<name>/src/` when run from source and `actions/<name>/dist/`
 * in the bundle.
 */
export function actionYmlOf(moduleUrl: string): string {
  return join(dirname(dirname(fileURLToPath(moduleUrl))), 'action.yml');
}
