// The edge config from this folder's templates. The renderer itself lives in actions/lib/edge,
// shared with the edge-deploy action (which reads the templates from the checkout).
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { ProxyParams } from '../../../actions/lib/edge/params';
import { readProxyTemplates, renderEdgeConfig, TEMPLATE_FILES } from '../../../actions/lib/edge/render';

export const TEMPLATES_DIR = resolve(import.meta.dirname, '..', 'templates');
export const TEMPLATE_PATH = join(TEMPLATES_DIR, TEMPLATE_FILES.main);

/** The shipped templates (or `template` as the main one) rendered with `params`. */
export function renderProxyConfig(
  params: ProxyParams,
  template = readFileSync(TEMPLATE_PATH, 'utf8'),
): string {
  return renderEdgeConfig(params, { ...readProxyTemplates(TEMPLATES_DIR), main: template });
}
