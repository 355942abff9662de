// @ts-check

/** @type {import('next').NextConfig} */
const nextConfig = {
  // The tus server and its store run as plain Node modules: bundling them
  // gains nothing and hides their stack traces.
  serverExternalPackages: ['@tus/server', '@tus/file-store'],
  // Upload data lives under data/ by default; keep it out of build tracing.
  outputFileTracingExcludes: { '*': ['data/**'] },
  poweredByHeader: false,
  // Downloads must keep their Content-Length and byte ranges; gzip would drop both.
  compress: false,
  reactStrictMode: true,
};

module.exports = nextConfig;
