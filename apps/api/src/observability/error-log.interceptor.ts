import {
  HttpException,
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import type { Response } from 'express';
import { catchError, throwError, type Observable } from 'rxjs';

/**
 * Hands an error that becomes a 5xx to the request log line (pino-http logs `res.err` as `err`
 * with type, message and stack). 4xx are the client's doing and stay plain request lines.
 */
@Injectable()
export class ErrorLogInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      catchError((error: Error) => {
        if (!(error instanceof HttpException) || error.getStatus() >= 500)
          context.switchToHttp().getResponse<Response & { err?: unknown }>().err = error;
        return throwError(() => error);
      }),
    );
  }
}
