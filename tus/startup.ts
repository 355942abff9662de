import { uploadEngine } from './server';

/**
 * Composes the upload engine when the server starts. A bad configuration
 * ends the process with a message naming the variable: better than a server
 * that starts and then fails every upload.
 */
export async function startUploadEngine(): Promise<void> {
  try {
    const engine = uploadEngine();
    await engine.start();
    console.log(`[upload] ready: storing uploads in ${engine.storeLocation} (tus extensions: ${engine.extensions.advertised.join(', ')})`);
  } catch (error) {
    console.error(`[upload] cannot start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
