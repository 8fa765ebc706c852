import {
  Injectable,
  Module,
  SetMetadata,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { APP_INTERCEPTOR, Reflector } from '@nestjs/core';
import type { Response } from 'express';

const CACHE_CONTROL = 'http:cache-control';

/**
 * Shared caches and browsers may keep the response but must revalidate it on every use: with the
 * ETag that Express sets on each body, an unchanged one costs a 304 and no body, and a read after a
 * write never sees the old version.
 */
export const REVALIDATE = 'public, no-cache';

/** The Cache-Control of a GET route; routes without it answer `no-store`. */
export const CacheControl = (value: string) => SetMetadata(CACHE_CONTROL, value);

/** Sets Cache-Control on every response of a Nest handler: the route's own, else `no-store`. */
@Injectable()
export class CacheControlInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler) {
    const http = context.switchToHttp();
    const method = http.getRequest<{ method: string }>().method;
    const value = this.reflector.get<string | undefined>(CACHE_CONTROL, context.getHandler());
    const cacheable = value !== undefined && (method === 'GET' || method === 'HEAD');
    http.getResponse<Response>().setHeader('Cache-Control', cacheable ? value : 'no-store');
    return next.handle();
  }
}

/** Cache-Control for every route; ETag and If-None-Match (304) come from Express (`etag` setting). */
@Module({ providers: [{ provide: APP_INTERCEPTOR, useClass: CacheControlInterceptor }] })
export class HttpCacheModule {}
