// s3rver (the only S3 server installable here) keeps multipart uploads in
// <directory>/<bucket>/._S3rver_uploads/<uploadId>/ but implements neither ListMultipartUploads
// nor AbortMultipartUpload, and no S3 server that does can be installed on these machines.
// This front adds exactly those two operations, in S3's wire format, on s3rver's own upload
// store, and passes every other request through unchanged (signatures included), so tests
// can prove "no incomplete multipart upload left" on the real store. It does not check
// signatures for the two operations it answers itself.
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

export interface MultipartShim {
  port: number;
  close(): Promise<void>;
}

interface Upload {
  key: string;
  uploadId: string;
  initiated: Date;
}

export function s3rverUploadsDir(directory: string, bucket: string): string {
  return join(directory, bucket, '._S3rver_uploads');
}

/** The multipart uploads s3rver holds for a bucket, as S3 would list them. */
export function storedUploads(directory: string, bucket: string): Upload[] {
  const dir = s3rverUploadsDir(directory, bucket);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((id) => existsSync(join(dir, id, 'key')))
    .map((uploadId) => ({
      uploadId,
      key: readFileSync(join(dir, uploadId, 'key'), 'utf8'),
      initiated: statSync(join(dir, uploadId)).mtime,
    }))
    .sort((a, b) => a.key.localeCompare(b.key) || a.uploadId.localeCompare(b.uploadId));
}

export async function startMultipartShim(o: {
  port: number;
  upstreamPort: number;
  directory: string;
}): Promise<MultipartShim> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://shim');
    const [bucket = '', ...rest] = url.pathname.slice(1).split('/');
    const key = decodeURIComponent(rest.join('/'));
    if (req.method === 'GET' && key === '' && url.searchParams.has('uploads'))
      return listUploads(res, o.directory, decodeURIComponent(bucket), url.searchParams.get('prefix') ?? '');
    if (req.method === 'DELETE' && key !== '' && url.searchParams.has('uploadId'))
      return abortUpload(
        res,
        o.directory,
        decodeURIComponent(bucket),
        key,
        url.searchParams.get('uploadId')!,
      );
    passThrough(req, res, o.upstreamPort);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function listUploads(res: ServerResponse, directory: string, bucket: string, prefix: string): void {
  const uploads = storedUploads(directory, bucket).filter((u) => u.key.startsWith(prefix));
  const items = uploads
    .map(
      (u) =>
        `<Upload><Key>${xml(u.key)}</Key><UploadId>${xml(u.uploadId)}</UploadId>` +
        `<Initiated>${u.initiated.toISOString()}</Initiated><StorageClass>STANDARD</StorageClass></Upload>`,
    )
    .join('');
  send(
    res,
    200,
    `<ListMultipartUploadsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Bucket>${xml(bucket)}</Bucket>` +
      `<KeyMarker></KeyMarker><UploadIdMarker></UploadIdMarker><Prefix>${xml(prefix)}</Prefix>` +
      `<MaxUploads>1000</MaxUploads><IsTruncated>false</IsTruncated>${items}</ListMultipartUploadsResult>`,
  );
}

function abortUpload(res: ServerResponse, directory: string, bucket: string, key: string, id: string): void {
  const upload = storedUploads(directory, bucket).find((u) => u.uploadId === id && u.key === key);
  if (!upload)
    return send(
      res,
      404,
      `<Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist.</Message></Error>`,
    );
  rmSync(join(s3rverUploadsDir(directory, bucket), id), { recursive: true, force: true });
  res.writeHead(204).end();
}

function passThrough(req: IncomingMessage, res: ServerResponse, upstreamPort: number): void {
  const upstream = request(
    { host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers: req.headers },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  // The store is down or hung up: so does the front, as a stopped server would.
  upstream.on('error', () => req.socket.destroy());
  req.pipe(upstream);
}

function send(res: ServerResponse, status: number, body: string): void {
  res
    .writeHead(status, { 'content-type': 'application/xml' })
    .end(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`);
}

function xml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!,
  );
}
