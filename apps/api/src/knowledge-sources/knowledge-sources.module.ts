import { Module } from '@nestjs/common';
import { ReadCache } from '../cache/read-cache';
import { CachedKnowledgeSources } from './cached-knowledge-sources';
import { KnowledgeSourcesController } from './knowledge-sources.controller';
import { KnowledgeSourcesRepository } from './knowledge-sources.repository';

@Module({
  controllers: [KnowledgeSourcesController],
  providers: [KnowledgeSourcesRepository, CachedKnowledgeSources, ReadCache],
})
export class KnowledgeSourcesModule {}
