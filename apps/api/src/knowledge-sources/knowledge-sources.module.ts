import { Module } from '@nestjs/common';
import { ReadCache } from '../cache/read-cache';
import { CachedKnowledgeSources } from './cached-knowledge-sources';
import { AuthModule } from '../auth/auth.module';
import { KnowledgeSourcesController } from './knowledge-sources.controller';
import { KnowledgeSourcesRepository } from './knowledge-sources.repository';

@Module({
  imports: [AuthModule],
  controllers: [KnowledgeSourcesController],
  providers: [KnowledgeSourcesRepository, CachedKnowledgeSources, ReadCache],
})
export class KnowledgeSourcesModule {}
