-- Knowledge sources per sector: what the assistant may draw on (web pages, documents, FAQs, data sets).
-- gen_random_uuid() is built into PostgreSQL 13+ (no extension needed).
CREATE TABLE knowledge_sources (
  id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
  sector      text        NOT NULL CHECK (sector ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
  title       text        NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
  kind        text        NOT NULL CHECK (kind IN ('url', 'document', 'faq', 'dataset')),
  uri         text        CHECK (char_length(uri) <= 2048),
  description text        NOT NULL DEFAULT '' CHECK (char_length(description) <= 2000),
  created_at  timestamptz NOT NULL DEFAULT now(),
  CHECK (kind <> 'url' OR uri IS NOT NULL)
);

-- The list query: one sector, newest first, keyset-paginated on (created_at, id).
-- Also serves the per-sector counts (GROUP BY sector) as an index-only scan.
CREATE INDEX knowledge_sources_sector_created_at_idx ON knowledge_sources (sector, created_at DESC, id DESC);

-- A URI is registered once per sector.
CREATE UNIQUE INDEX knowledge_sources_sector_uri_key ON knowledge_sources (sector, uri) WHERE uri IS NOT NULL;
