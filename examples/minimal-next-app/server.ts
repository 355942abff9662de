import next from 'next';
import { configureUploadEngine } from '@resumable-uploads/engine';
import { serverSettingsFromEnv, startUploadServer, tuneRuntimeForUploads } from '@resumable-uploads/engine/server';
import { uploadOptions } from './uploads';

// Production: Next.js for the pages, the engine for /api/upload, with no cap on a long PATCH.
tuneRuntimeForUploads();
const settings = serverSettingsFromEnv();
configureUploadEngine(uploadOptions());
const app = next({ dev: false, dir: __dirname, hostname: settings.host, port: settings.port });
void app.prepare().then(() => startUploadServer({ settings, fallback: app.getRequestHandler() }));
