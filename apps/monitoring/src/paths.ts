import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** apps/monitoring */
export const MONITORING_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
