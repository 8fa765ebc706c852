import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { KnowledgeSourcesController } from './knowledge-sources.controller';
import { KnowledgeSourcesRepository } from './knowledge-sources.repository';

@Module({
  imports: [AuthModule],
  controllers: [KnowledgeSourcesController],
  providers: [KnowledgeSourcesRepository],
})
export class KnowledgeSourcesModule {}
