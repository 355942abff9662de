// @ts-check

/** @type {import('next').NextConfig} */
const nextConfig = {
  // The upload engine is a workspace package shipped as TypeScript source.
  transpilePackages: ['@resumable-uploads/engine'],
  // Its tus library and stores run as plain Node modules: bundling them gains
  // nothing and hides their stack traces.
  serverExternalPackages: ['@tus/server', '@tus/file-store', '@tus/s3-store', 'ioredis', '@aws-sdk/client-s3'],
  // `/api/upload/` and `/api/upload/<id>/` are the endpoint's like the same
  // URLs without the slash (tus clients that join URLs naively send them):
  // no redirect, which a client that does not follow one would fail on.
  skipTrailingSlashRedirect: true,
  // Upload data lives under data/ by default; keep it out of build tracing.
  outputFileTracingExcludes: { '*': ['data/**'] },
  poweredByHeader: false,
  // Downloads must keep their Content-Length and byte ranges; gzip would drop both.
  compress: false,
  reactStrictMode: true,
  // Upload URLs (`/api/upload/<id>`) reach the one static route by a rewrite
  // rather than a dynamic `[[...id]]` segment: Next.js decodes dynamic
  // segments itself and answers an undecodable one (`/api/upload/%E0%A4%A`)
  // with a 500 in production (vercel/next.js#92527) before any handler runs.
  // A rewrite does not decode, keeps the original URL on the request (the
  // endpoint parses the id from it) and streams the body like any route.
  // No proxy.ts/middleware: those buffer bodies and truncate them at 10 MB.
  async rewrites() {
    return { beforeFiles: [{ source: '/api/upload/:path+', destination: '/api/upload' }] };
  },
};

module.exports = nextConfig;
