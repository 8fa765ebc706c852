import {
  ForbiddenException,
  Inject,
  Injectable,
  Logger,
  ServiceUnavailableException,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { ApiMetrics } from '../observability/api-metrics';
import { KeySetUnavailableError, TokenVerifier } from './token-verifier';

/**
 * Guards the write endpoints: a valid access token with the write permission, or 401 (no, bad or
 * expired token) / 403 (valid token without the permission), with no detail in the body. Each
 * refusal is counted in `auth_failures_total{reason}` and logged with its reason (never the token).
 */
@Injectable()
export class WriteAuthGuard implements CanActivate {
  private readonly logger = new Logger('Auth');

  constructor(
    @Inject(TokenVerifier) private readonly verifier: TokenVerifier,
    @Inject(ApiMetrics) private readonly metrics: ApiMetrics,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const http = context.switchToHttp();
    const request = http.getRequest<Request>();
    let check;
    try {
      check = await this.verifier.check(request.headers.authorization);
    } catch (error) {
      if (!(error instanceof KeySetUnavailableError)) throw error;
      this.logger.error(`write refused with 503: ${error.message}`);
      throw new ServiceUnavailableException();
    }
    if (check.ok) return true;
    this.metrics.authFailures.inc({ reason: check.reason });
    this.logger.warn(`write refused: ${check.reason} credentials (${request.method} ${request.path})`);
    if (check.reason === 'forbidden') throw new ForbiddenException();
    http.getResponse<Response>().setHeader('WWW-Authenticate', 'Bearer');
    throw new UnauthorizedException();
  }
}
