// The wire formats the fake Sentry (test/fake-sentry.ts) reads, each parsed strictly: a malformed
// input throws FormatError with what was wrong, so a client that writes it wrongly fails its test.
import { crc32, inflateRawSync } from 'node:zlib';

export class FormatError extends Error {}

// ── Envelopes (https://develop.sentry.dev/sdk/foundations/transport/envelopes/) ──────────────

export interface EnvelopeItem {
  header: Record<string, unknown> & { type: string };
  payload: Buffer;
}

export interface Envelope {
  header: Record<string, unknown>;
  items: EnvelopeItem[];
}

/**
 * `header\n(itemHeader\npayload\n?)*`: every header is one line of JSON (an object); an item with
 * `length` has exactly that many payload bytes, one without runs to the next newline or the end.
 */
export function parseEnvelope(body: Buffer): Envelope {
  let offset = 0;
  const line = (what: string): Record<string, unknown> => {
    const end = body.indexOf(0x0a, offset);
    const text = body.subarray(offset, end === -1 ? body.length : end).toString('utf8');
    offset = end === -1 ? body.length : end + 1;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      throw new FormatError(`${what} is not JSON`);
    }
    if (!value || typeof value !== 'object' || Array.isArray(value))
      throw new FormatError(`${what} is not a JSON object`);
    return value as Record<string, unknown>;
  };

  const header = line('the envelope header');
  const items: EnvelopeItem[] = [];
  while (offset < body.length) {
    const itemHeader = line(`item header #${items.length + 1}`);
    if (typeof itemHeader.type !== 'string' || !itemHeader.type)
      throw new FormatError(`item #${items.length + 1} has no type`);
    let payload: Buffer;
    if (itemHeader.length !== undefined) {
      const length = itemHeader.length;
      if (typeof length !== 'number' || !Number.isInteger(length) || length < 0)
        throw new FormatError(`item #${items.length + 1} has an invalid length`);
      if (offset + length > body.length) throw new FormatError('premature end of the envelope');
      payload = body.subarray(offset, offset + length);
      offset += length;
      if (offset < body.length) {
        if (body[offset] !== 0x0a) throw new FormatError('trailing garbage after an item payload');
        offset += 1;
      }
    } else {
      const end = body.indexOf(0x0a, offset);
      payload = body.subarray(offset, end === -1 ? body.length : end);
      offset = end === -1 ? body.length : end + 1;
    }
    items.push({ header: itemHeader as EnvelopeItem['header'], payload });
  }
  return { header, items };
}

// ── multipart/form-data (RFC 7578), as curl's form API sends the chunk uploads ──────────────

export interface FormPart {
  name: string;
  filename?: string;
  headers: Record<string, string>;
  data: Buffer;
}

export function parseMultipart(body: Buffer, contentType: string | undefined): FormPart[] {
  const match = /^multipart\/form-data;.*\bboundary=(?:"([^"]+)"|([^\s;]+))/i.exec(contentType ?? '');
  if (!match) throw new FormatError('not multipart/form-data with a boundary');
  const delimiter = Buffer.from(`--${match[1] ?? match[2]}`);
  const parts: FormPart[] = [];
  let at = body.indexOf(delimiter);
  if (at === -1) throw new FormatError('no boundary in the body');
  for (;;) {
    at += delimiter.length;
    if (body.subarray(at, at + 2).toString() === '--') return parts;
    if (body.subarray(at, at + 2).toString() !== '\r\n') throw new FormatError('malformed boundary line');
    const headerEnd = body.indexOf('\r\n\r\n', at);
    if (headerEnd === -1) throw new FormatError('part headers never end');
    const headers = Object.fromEntries(
      body
        .subarray(at + 2, headerEnd)
        .toString('latin1')
        .split('\r\n')
        .map((h) => [h.slice(0, h.indexOf(':')).trim().toLowerCase(), h.slice(h.indexOf(':') + 1).trim()]),
    );
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headerEnd + 4);
    if (next === -1) throw new FormatError('the last part is not closed');
    const disposition = headers['content-disposition'] ?? '';
    const name = /\bname="([^"]*)"/.exec(disposition)?.[1];
    if (!/^form-data\b/.test(disposition) || name === undefined)
      throw new FormatError('a part has no form-data name');
    const filename = /\bfilename="([^"]*)"/.exec(disposition)?.[1];
    parts.push({ name, filename, headers, data: body.subarray(headerEnd + 4, next) });
    at = next + 2;
  }
}

// ── ZIP (APPNOTE.TXT): enough to read what the `zip` crate writes (stored or deflated) ─────

export function readZip(zip: Buffer): Map<string, Buffer> {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  if (eocd === -1 || eocd + 22 > zip.length) throw new FormatError('no end of central directory');
  const count = zip.readUInt16LE(eocd + 10);
  // Offsets count from wherever the writer started: a prefix (such as a bundle header) shifts
  // them all; like Python's zipfile, infer the shift from where the central directory really is.
  const shift = eocd - (zip.readUInt32LE(eocd + 16) + zip.readUInt32LE(eocd + 12));
  let entry = zip.readUInt32LE(eocd + 16) + shift;
  const files = new Map<string, Buffer>();
  for (let i = 0; i < count; i += 1) {
    if (zip.readUInt32LE(entry) !== 0x02014b50) throw new FormatError('bad central directory entry');
    const method = zip.readUInt16LE(entry + 10);
    const crc = zip.readUInt32LE(entry + 16);
    const compressedSize = zip.readUInt32LE(entry + 20);
    const size = zip.readUInt32LE(entry + 24);
    const nameLength = zip.readUInt16LE(entry + 28);
    const extraLength = zip.readUInt16LE(entry + 30);
    const commentLength = zip.readUInt16LE(entry + 32);
    const local = zip.readUInt32LE(entry + 42) + shift;
    const name = zip.subarray(entry + 46, entry + 46 + nameLength).toString('utf8');
    if (zip.readUInt32LE(local) !== 0x04034b50) throw new FormatError(`bad local header for ${name}`);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(start, start + compressedSize);
    let data: Buffer;
    if (method === 0) data = raw;
    else if (method === 8) data = inflateRawSync(raw);
    else throw new FormatError(`${name}: compression method ${method} is not supported`);
    if (data.length !== size || crc32(data) !== crc) throw new FormatError(`${name}: CRC or size mismatch`);
    if (!name.endsWith('/')) files.set(name, data);
    entry += 46 + nameLength + extraLength + commentLength;
  }
  return files;
}

// ── Source/artifact bundles (symbolic's SourceBundle: "SYSB" + u32 LE version 2 + ZIP) ──────

export interface BundleFile {
  type: string;
  url?: string;
  headers?: Record<string, string>;
}

export interface BundleManifest {
  files: Record<string, BundleFile>;
  /** Bundle attributes sentry-cli sets: debug_id, org, project, release, dist, note. */
  [attribute: string]: unknown;
}

export interface SourceBundle {
  manifest: BundleManifest;
  /** Path inside the bundle → contents. */
  files: Map<string, Buffer>;
}

export function readSourceBundle(bundle: Buffer): SourceBundle {
  if (bundle.subarray(0, 4).toString('latin1') !== 'SYSB') throw new FormatError('no SYSB magic');
  if (bundle.readUInt32LE(4) !== 2) throw new FormatError('unsupported source bundle version');
  const entries = readZip(bundle);
  const manifestJson = entries.get('manifest.json');
  if (!manifestJson) throw new FormatError('the bundle has no manifest.json');
  const manifest = JSON.parse(manifestJson.toString('utf8')) as BundleManifest;
  if (!manifest.files || typeof manifest.files !== 'object') throw new FormatError('manifest without files');
  const files = new Map<string, Buffer>();
  for (const path of Object.keys(manifest.files)) {
    const data = entries.get(path);
    if (!data) throw new FormatError(`manifest lists ${path}, the zip lacks it`);
    files.set(path, data);
  }
  return { manifest, files };
}
