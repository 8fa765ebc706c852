import { Catch, HttpException, type ArgumentsHost } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import * as Sentry from '@sentry/nestjs';
import type { Request } from 'express';
import { expressRoute } from './telemetry';

/**
 * Reports to Sentry what is the server's fault — an exception that is not an HttpException, or
 * one of status 5xx — with the route template, the request id and the user's id (the trace id comes
 * with the active span); 4xx are the client's doing and are not reported. Nest then answers as
 * usual. Without a DSN, Sentry is not initialised and capturing does nothing.
 */
@Catch()
export class SentryExceptionFilter extends BaseExceptionFilter {
  override catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() === 'http' && isServerError(exception))
      reportRequestError(exception, host.switchToHttp().getRequest<Request>());
    super.catch(exception, host);
  }
}

export function isServerError(exception: unknown): boolean {
  return !(exception instanceof HttpException) || exception.getStatus() >= 500;
}

function reportRequestError(exception: unknown, req: Request): void {
  const route = expressRoute(req);
  Sentry.withScope((scope) => {
    scope.setTag('route', route);
    scope.setTag('request_id', String(req.id));
    scope.setTransactionName(`${req.method} ${route}`);
    const id = userIdOf(req);
    if (id !== undefined) scope.setUser({ id });
    Sentry.captureException(exception, { mechanism: { type: 'nestjs', handled: false } });
  });
}

/**
 * The authenticated user's id: the JWT subject where authentication puts the user on the request
 * (`req.user`), never e-mail or tokens. Undefined for anonymous requests.
 */
export function userIdOf(req: Request): string | undefined {
  const user = (req as Request & { user?: { sub?: unknown; id?: unknown } }).user;
  const id = user?.sub ?? user?.id;
  return typeof id === 'string' || typeof id === 'number' ? String(id) : undefined;
}
