/**
 * The global route prefix of the API, in one place (contract: every route under `/api`, which the
 * edge forwards unchanged). Empty until the switch to `/api` lands; route templates in logs and
 * metrics follow whatever is served, because they are read from the matched route.
 */
export const GLOBAL_PREFIX = '';
