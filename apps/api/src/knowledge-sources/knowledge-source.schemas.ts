import { z } from 'zod';

// Request shapes of the knowledge-source endpoints. The database repeats the essential rules as
// CHECK constraints (migrations/), so data written by other means obeys them too.

export const SECTOR_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const KINDS = ['url', 'document', 'faq', 'dataset'] as const;

export const sectorSchema = z
  .string()
  .regex(SECTOR_PATTERN, 'expected a sector slug: lowercase letters, digits and "-", at most 63 characters');

export const createKnowledgeSourceSchema = z
  .object({
    title: z.string().trim().min(1, 'required').max(200, 'expected at most 200 characters'),
    kind: z.enum(KINDS, { error: `expected one of ${KINDS.join(', ')}` }),
    uri: z
      .url({ protocol: /^https?$/, error: 'expected an http(s) URL' })
      .max(2048, 'expected at most 2048 characters')
      .optional(),
    description: z.string().max(2000, 'expected at most 2000 characters').default(''),
  })
  .strict()
  .refine((source) => source.kind !== 'url' || source.uri !== undefined, {
    path: ['uri'],
    message: 'required when kind is "url"',
  });

export type CreateKnowledgeSource = z.infer<typeof createKnowledgeSourceSchema>;

export const listQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(200).optional(),
});

export type ListQuery = z.infer<typeof listQuerySchema>;

export interface KnowledgeSource {
  id: string;
  sector: string;
  title: string;
  kind: (typeof KINDS)[number];
  uri: string | null;
  description: string;
  createdAt: string;
}
