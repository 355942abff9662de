// Runs once when the Next.js server starts, before it serves a request.
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME === 'nodejs') {
    const { startUploadEngine } = await import('./tus/startup');
    await startUploadEngine();
  }
}
