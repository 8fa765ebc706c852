-- The sector overview reads one small row per sector instead of counting every source per request.
-- Statement-level triggers keep the counts in the transaction of the write (any writer, bulk loads
-- included: one UPDATE per sector and statement, not per row). Concurrent writes to one sector
-- queue on that sector's row only.
CREATE TABLE sector_counts (
  sector text   PRIMARY KEY,
  count  bigint NOT NULL CHECK (count >= 0)
);

-- Backfill in this migration's transaction (the share lock keeps writers out meanwhile).
LOCK TABLE knowledge_sources IN SHARE MODE;
INSERT INTO sector_counts (sector, count)
  SELECT sector, count(*) FROM knowledge_sources GROUP BY sector;

CREATE FUNCTION sector_counts_after_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO sector_counts AS c (sector, count)
    SELECT sector, count(*) FROM inserted GROUP BY sector ORDER BY sector
  ON CONFLICT (sector) DO UPDATE SET count = c.count + EXCLUDED.count;
  RETURN NULL;
END $$;

CREATE FUNCTION sector_counts_after_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE sector_counts AS c SET count = c.count - d.count
    FROM (SELECT sector, count(*) AS count FROM deleted GROUP BY sector) AS d
   WHERE c.sector = d.sector;
  RETURN NULL;
END $$;

-- A sector change moves the row between two counts.
CREATE FUNCTION sector_counts_after_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE sector_counts AS c SET count = c.count - d.count
    FROM (SELECT sector, count(*) AS count FROM deleted GROUP BY sector) AS d
   WHERE c.sector = d.sector;
  INSERT INTO sector_counts AS c (sector, count)
    SELECT sector, count(*) FROM inserted GROUP BY sector ORDER BY sector
  ON CONFLICT (sector) DO UPDATE SET count = c.count + EXCLUDED.count;
  RETURN NULL;
END $$;

CREATE TRIGGER sector_counts_insert AFTER INSERT ON knowledge_sources
  REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION sector_counts_after_insert();
CREATE TRIGGER sector_counts_delete AFTER DELETE ON knowledge_sources
  REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION sector_counts_after_delete();
-- (A transition table cannot go with a column list: every UPDATE statement runs it.)
CREATE TRIGGER sector_counts_update AFTER UPDATE ON knowledge_sources
  REFERENCING OLD TABLE AS deleted NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION sector_counts_after_update();

-- TRUNCATE bypasses row triggers: keep the counts consistent with it too.
CREATE FUNCTION sector_counts_after_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM sector_counts;
  RETURN NULL;
END $$;
CREATE TRIGGER sector_counts_truncate AFTER TRUNCATE ON knowledge_sources
  FOR EACH STATEMENT EXECUTE FUNCTION sector_counts_after_truncate();
