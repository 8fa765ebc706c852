import { Controller, Get, Inject } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/env.schema';
import { CacheControl, REVALIDATE } from '../http/cache-control';
import { versionInfo, type VersionInfo } from './version';

@Controller('version')
export class VersionController {
  private readonly info: VersionInfo;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.info = versionInfo(config);
  }

  @Get()
  @CacheControl(REVALIDATE)
  get(): VersionInfo {
    return this.info;
  }
}
