import { Module, type DynamicModule } from '@nestjs/common';
import { ConfigModule } from './config/config.module';
import type { AppConfig } from './config/env.schema';
import { DatabaseModule } from './database/database.module';
import { HealthModule } from './health/health.module';
import { HttpCacheModule } from './http/cache-control';
import { KnowledgeSourcesModule } from './knowledge-sources/knowledge-sources.module';
import { ObservabilityModule } from './observability/observability.module';
import type { ApiTelemetry } from './observability/telemetry';
import { RedisModule } from './redis/redis.module';
import { VersionController } from './version/version.controller';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, telemetry: ApiTelemetry): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        ObservabilityModule.forRoot(telemetry),
        DatabaseModule,
        RedisModule,
        HttpCacheModule,
        HealthModule,
        KnowledgeSourcesModule,
      ],
      controllers: [VersionController],
    };
  }
}
