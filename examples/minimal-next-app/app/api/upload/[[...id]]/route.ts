// The whole tus endpoint, for `next dev` and `next start`. Under server.ts
// its requests go to the engine directly and never reach this file.
export { DELETE, GET, HEAD, OPTIONS, PATCH, POST } from '@resumable-uploads/engine/next';
