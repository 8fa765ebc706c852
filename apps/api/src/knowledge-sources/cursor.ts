// Keyset pagination: the cursor is the (created_at, id) of the last row of a page, opaque to clients.
// Decoding is strict: the values go straight into SQL casts (timestamptz, uuid), so anything
// PostgreSQL would refuse (or read differently, like "1" as a date) is refused here with a 400.

export interface Cursor {
  createdAt: string;
  id: string;
}

/** ISO-8601 date-time with a zone, as PostgreSQL's to_json writes created_at (up to microseconds). */
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$/;
/** A UUID in its canonical 8-4-4-4-12 hex form. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id])).toString('base64url');
}

/** The cursor, or undefined when the text is not one we issued. */
export function decodeCursor(text: string): Cursor | undefined {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(value) || value.length !== 2) return undefined;
  const [createdAt, id] = value as unknown[];
  if (typeof createdAt !== 'string' || !isIsoDateTime(createdAt)) return undefined;
  if (typeof id !== 'string' || !UUID.test(id)) return undefined;
  return { createdAt, id };
}

function isIsoDateTime(text: string): boolean {
  if (!ISO_DATE_TIME.test(text)) return false;
  // The shape alone accepts 2026-13-45T25:61:00Z: the calendar must agree.
  const [date, time] = text.split('T') as [string, string];
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const [hour, minute, second] = time.slice(0, 8).split(':').map(Number) as [number, number, number];
  const calendar = new Date(Date.UTC(year, month - 1, day));
  return (
    calendar.getUTCFullYear() === year &&
    calendar.getUTCMonth() === month - 1 &&
    calendar.getUTCDate() === day &&
    hour < 24 &&
    minute < 60 &&
    second < 60
  );
}
