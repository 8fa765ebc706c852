import {
  BadRequestException,
  Body,
  ConflictException,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  UseGuards,
} from '@nestjs/common';
import { WriteAuthGuard } from '../auth/write-auth.guard';
import { ZodValidationPipe } from '../common/zod-validation.pipe';
import { CacheControl, REVALIDATE } from '../http/cache-control';
import { ApiMetrics } from '../observability/api-metrics';
import { decodeCursor, encodeCursor } from './cursor';
import {
  createKnowledgeSourceSchema,
  listQuerySchema,
  sectorSchema,
  type CreateKnowledgeSource,
  type KnowledgeSource,
  type ListQuery,
} from './knowledge-source.schemas';
import { CachedKnowledgeSources } from './cached-knowledge-sources';
import { DuplicateUriError } from './knowledge-sources.repository';

const sector = new ZodValidationPipe(sectorSchema, 'sector');
const uuid = new ParseUUIDPipe({ version: '4' });

@Controller('sectors')
export class KnowledgeSourcesController {
  constructor(
    @Inject(CachedKnowledgeSources) private readonly repository: CachedKnowledgeSources,
    @Inject(ApiMetrics) private readonly metrics: ApiMetrics,
  ) {}

  @Get()
  @CacheControl(REVALIDATE)
  async sectors() {
    return { items: await this.repository.sectors() };
  }

  /** Writes need a valid access token with the write permission (WriteAuthGuard): 401/403 otherwise. */
  @Post(':sector/knowledge-sources')
  @UseGuards(WriteAuthGuard)
  async create(
    @Param('sector', sector) sectorSlug: string,
    @Body(new ZodValidationPipe(createKnowledgeSourceSchema, 'body')) body: CreateKnowledgeSource,
  ): Promise<KnowledgeSource> {
    try {
      const created = await this.repository.create(sectorSlug, body);
      this.metrics.knowledgeSourcesCreated.inc({ sector: this.metrics.sector(sectorSlug) });
      return created;
    } catch (error) {
      if (error instanceof DuplicateUriError)
        throw new ConflictException(
          `A knowledge source with this uri already exists in sector "${sectorSlug}"`,
        );
      throw error;
    }
  }

  @Get(':sector/knowledge-sources')
  @CacheControl(REVALIDATE)
  async list(
    @Param('sector', sector) sectorSlug: string,
    @Query(new ZodValidationPipe(listQuerySchema, 'query')) query: ListQuery,
  ): Promise<{ items: KnowledgeSource[]; nextCursor: string | null }> {
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    if (query.cursor !== undefined && !after)
      throw new BadRequestException(
        'Invalid query: cursor: expected a nextCursor value from a previous page',
      );
    const items = await this.repository.list(sectorSlug, query.limit, after);
    this.metrics.knowledgeSourceListings.inc({ sector: this.metrics.sector(sectorSlug) });
    const last = items.length === query.limit ? items[items.length - 1] : undefined;
    return { items, nextCursor: last ? encodeCursor(last) : null };
  }

  @Get(':sector/knowledge-sources/:id')
  @CacheControl(REVALIDATE)
  async get(
    @Param('sector', sector) sectorSlug: string,
    @Param('id', uuid) id: string,
  ): Promise<KnowledgeSource> {
    const source = await this.repository.get(sectorSlug, id);
    if (!source) throw new NotFoundException(`No knowledge source ${id} in sector "${sectorSlug}"`);
    return source;
  }

  @Delete(':sector/knowledge-sources/:id')
  @UseGuards(WriteAuthGuard)
  @HttpCode(204)
  async delete(@Param('sector', sector) sectorSlug: string, @Param('id', uuid) id: string): Promise<void> {
    if (!(await this.repository.delete(sectorSlug, id)))
      throw new NotFoundException(`No knowledge source ${id} in sector "${sectorSlug}"`);
    this.metrics.knowledgeSourcesDeleted.inc({ sector: this.metrics.sector(sectorSlug) });
  }
}
