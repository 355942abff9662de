import type { Upload } from '@tus/server';
import type { ConcatRole } from '../concatenation';
import type { UploadRequest } from '../http/request';
import type { HookEvent, HookHttpRequest, HookStorage, HookType, HookUpload } from './types';

/** An upload as hooks see it; `id` null before it exists (pre-create). */
export function hookUpload(upload: Upload, concat: ConcatRole | null, id: string | null = upload.id): HookUpload {
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(upload.metadata ?? {})) metadata[key] = value ?? '';
  return {
    id,
    size: upload.size ?? null,
    sizeIsDeferred: upload.size === undefined,
    offset: upload.offset,
    metadata,
    isPartial: concat?.kind === 'partial',
    isFinal: concat?.kind === 'final',
    partialUploads: concat?.kind === 'final' ? [...concat.parts] : null,
    storage: id === null ? null : storageOf(upload),
  };
}

function storageOf(upload: Upload): HookStorage | null {
  const storage = upload.storage;
  if (!storage) return null;
  if (storage.type === 's3') return { type: 's3store', bucket: storage.bucket ?? '', key: storage.path };
  return { type: 'filestore', path: storage.path };
}

export function hookRequest(req: UploadRequest): HookHttpRequest {
  const { target, remoteAddr, headers } = req.describe();
  return { method: req.method, uri: target, remoteAddr, header: headers };
}

export function hookEvent(type: HookType, upload: HookUpload, req: UploadRequest): HookEvent {
  return { type, upload, httpRequest: hookRequest(req) };
}
