// @ts-check

/** @type {import('next').NextConfig} */
module.exports = {
  // The engine ships as TypeScript; its storage libraries stay plain Node modules.
  transpilePackages: ['@resumable-uploads/engine'],
  serverExternalPackages: ['@tus/server', '@tus/file-store', '@tus/s3-store', 'ioredis'],
  // tus clients may send /api/upload/ or /api/upload/<id>/: no redirect.
  skipTrailingSlashRedirect: true,
};
