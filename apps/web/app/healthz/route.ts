// Liveness of the web server itself (the image's HEALTHCHECK): no call to the API.
export const dynamic = 'force-dynamic';

export function GET() {
  return Response.json({ status: 'ok' });
}
