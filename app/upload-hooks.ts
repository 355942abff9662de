import { uploadEngine, type UploadHooks } from '@resumable-uploads/engine';

/**
 * What this app does at each point of an upload's life: tusd's hooks, in
 * code (docs/hooks.md). This is the file to edit to validate, authorize or
 * process uploads; the engine runs it in `npm start` and `npm run dev` alike.
 *
 * Some hooks an app commonly adds here:
 *
 * ```ts
 * // Refuse an upload without a file name before anything is stored.
 * preCreate(event) {
 *   if (!event.upload.metadata.filename) {
 *     return { rejectUpload: true, httpResponse: { statusCode: 422, body: 'send a filename\n' } };
 *   }
 * },
 * // Refuse a finished file whose bytes are not what it claims to be (it is then removed).
 * async preFinish(event) {
 *   if (event.upload.storage?.type === 'filestore' && !(await looksLikePdf(event.upload.storage.path))) {
 *     return { rejectUpload: true, httpResponse: { statusCode: 422, body: 'not a PDF\n' } };
 *   }
 * },
 * // Keep files that are under legal hold.
 * preTerminate(event) {
 *   if (onHold(event.upload.id)) return { rejectTermination: true };
 * },
 * ```
 */
export const uploadHooks: UploadHooks = {
  // The engine logs every finished upload already (at info); this line, at debug, shows where an app's own work goes.
  postFinish(event) {
    uploadEngine().log.debug(
      { id: event.upload.id, size: event.upload.size },
      `finished upload ${event.upload.id} (${event.upload.size} bytes)`,
    );
  },
};
