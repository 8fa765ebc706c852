/**
 * The global route prefix of the API, in one place (contract: every route under `/api`, which the
 * edge forwards unchanged: `/api/health`, `/api/version`, `/api/sectors`, ...). Route templates in
 * logs and metrics include it, because they are read from the matched route.
 */
export const GLOBAL_PREFIX = 'api';
