import { Module } from '@nestjs/common';
import { KnowledgeSourcesController } from './knowledge-sources.controller';
import { KnowledgeSourcesRepository } from './knowledge-sources.repository';

@Module({
  controllers: [KnowledgeSourcesController],
  providers: [KnowledgeSourcesRepository],
})
export class KnowledgeSourcesModule {}
