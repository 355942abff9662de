// Starts the upload engine before the first request, or stops the process on a bad setting.
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== 'nodejs') return;
  const { startUploads } = await import('@resumable-uploads/engine');
  const { uploadOptions } = await import('./uploads');
  await startUploads(uploadOptions);
}
