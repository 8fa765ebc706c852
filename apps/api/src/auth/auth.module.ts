import { Inject, Logger, Module, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/env.schema';
import { TokenVerifier } from './token-verifier';
import { WriteAuthGuard } from './write-auth.guard';

/** Bearer-token checks for the write endpoints (WriteAuthGuard), configured from AUTH_*. */
@Module({
  providers: [
    {
      provide: TokenVerifier,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) =>
        new TokenVerifier({
          issuer: config.AUTH_ISSUER,
          audience: config.AUTH_AUDIENCE,
          jwksUrl: config.AUTH_JWKS_URL,
          permission: config.AUTH_WRITE_PERMISSION,
        }),
    },
    WriteAuthGuard,
  ],
  exports: [TokenVerifier, WriteAuthGuard],
})
export class AuthModule implements OnModuleInit {
  constructor(@Inject(TokenVerifier) private readonly verifier: TokenVerifier) {}

  onModuleInit(): void {
    // Closed by default: without an issuer and audience nothing can be written, and the log says why.
    if (!this.verifier.configured)
      new Logger('Auth').warn('AUTH_ISSUER and AUTH_AUDIENCE are not set: every write is refused with 401');
  }
}
