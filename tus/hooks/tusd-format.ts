import type { HookEvent, HookHttpResponse, HookStorage, HookType } from './types';

/**
 * tusd's JSON for hooks over HTTP (https://tus.github.io/tusd/advanced-topics/hooks/):
 * the request a receiver gets and the response it may give, so that a
 * receiver written for tusd works unchanged.
 */
export interface TusdHookRequest {
  Type: HookType;
  Event: {
    Upload: {
      ID: string;
      Size: number;
      SizeIsDeferred: boolean;
      Offset: number;
      MetaData: Record<string, string>;
      IsPartial: boolean;
      IsFinal: boolean;
      PartialUploads: string[] | null;
      Storage: Record<string, string> | null;
    };
    HTTPRequest: { Method: string; URI: string; RemoteAddr: string; Header: Record<string, string[]> };
  };
}

export interface TusdHookResponse {
  HTTPResponse?: { StatusCode?: number; Body?: string; Header?: Record<string, string> };
  RejectUpload?: boolean;
  RejectTermination?: boolean;
  StopUpload?: boolean;
  ChangeFileInfo?: { ID?: string; MetaData?: Record<string, string> };
}

/** The event as tusd sends it: an id tusd leaves empty before creation, a deferred size as 0, Go's header names. */
export function toTusdRequest(event: HookEvent): TusdHookRequest {
  const { upload, httpRequest } = event;
  const header: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(httpRequest.header)) header[canonicalHeaderName(name)] = values;
  return {
    Type: event.type,
    Event: {
      Upload: {
        ID: upload.id ?? '',
        Size: upload.size ?? 0,
        SizeIsDeferred: upload.sizeIsDeferred,
        Offset: upload.offset,
        MetaData: upload.metadata,
        IsPartial: upload.isPartial,
        IsFinal: upload.isFinal,
        PartialUploads: upload.partialUploads,
        Storage: upload.storage && tusdStorage(upload.storage),
      },
      HTTPRequest: { Method: httpRequest.method, URI: httpRequest.uri, RemoteAddr: httpRequest.remoteAddr, Header: header },
    },
  };
}

function tusdStorage(storage: HookStorage): Record<string, string> {
  if (storage.type === 'filestore') return { Type: 'filestore', Path: storage.path };
  return { Type: 's3store', Bucket: storage.bucket, Key: storage.key };
}

/** `upload-length` as Go writes it: `Upload-Length`. */
function canonicalHeaderName(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_, dash: string, letter: string) => dash + letter.toUpperCase());
}

/**
 * A receiver's answer, checked: a value of the wrong type is the receiver's
 * bug, and fails the hook. Names match whatever their case, as Go's JSON
 * decoding matches them in tusd (`statusCode` is `StatusCode`).
 */
export function fromTusdResponse(json: unknown): {
  httpResponse?: HookHttpResponse;
  rejectUpload?: boolean;
  rejectTermination?: boolean;
  stopUpload?: boolean;
  changeFileInfo?: { id?: string; metadata?: Record<string, string> };
} {
  if (json === null || json === undefined || json === '') return {};
  if (typeof json !== 'object' || Array.isArray(json)) throw new Error('the hook response is not a JSON object');
  const body = json as Record<string, unknown>;
  const flag = (name: string): boolean | undefined => {
    const value = field(body, name);
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'boolean') throw new Error(`${name} must be true or false`);
    return value;
  };
  const answer: ReturnType<typeof fromTusdResponse> = {};
  const reject = flag('RejectUpload');
  if (reject !== undefined) answer.rejectUpload = reject;
  const rejectTermination = flag('RejectTermination');
  if (rejectTermination !== undefined) answer.rejectTermination = rejectTermination;
  const stop = flag('StopUpload');
  if (stop !== undefined) answer.stopUpload = stop;
  const response = objectOrNothing(field(body, 'HTTPResponse'), 'HTTPResponse');
  if (response) {
    const statusCode = field(response, 'StatusCode');
    const text = field(response, 'Body');
    const header = field(response, 'Header');
    if (
      statusCode !== undefined &&
      statusCode !== 0 &&
      (!Number.isInteger(statusCode) || (statusCode as number) < 200 || (statusCode as number) > 599)
    ) {
      throw new Error('HTTPResponse.StatusCode must be an HTTP status');
    }
    answer.httpResponse = {
      ...(statusCode ? { statusCode: statusCode as number } : {}),
      ...(typeof text === 'string' && text !== '' ? { body: text } : {}),
      ...(header ? { header: strings(header, 'HTTPResponse.Header') } : {}),
    };
  }
  const change = objectOrNothing(field(body, 'ChangeFileInfo'), 'ChangeFileInfo');
  if (change) {
    answer.changeFileInfo = {};
    const id = field(change, 'ID');
    const metadata = field(change, 'MetaData');
    if (typeof id === 'string' && id !== '') answer.changeFileInfo.id = id;
    if (metadata !== undefined && metadata !== null) answer.changeFileInfo.metadata = strings(metadata, 'ChangeFileInfo.MetaData');
  }
  return answer;
}

/** A field by name, whatever its case. */
function field(object: Record<string, unknown>, name: string): unknown {
  if (name in object) return object[name];
  const lower = name.toLowerCase();
  const key = Object.keys(object).find((candidate) => candidate.toLowerCase() === lower);
  return key === undefined ? undefined : object[key];
}

function objectOrNothing(value: unknown, name: string): Record<string, unknown> | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) throw new Error(`${name} must be an object`);
  return value as Record<string, unknown>;
}

function strings(value: unknown, name: string): Record<string, string> {
  const object = objectOrNothing(value, name) ?? {};
  for (const [key, entry] of Object.entries(object)) if (typeof entry !== 'string') throw new Error(`${name}.${key} must be a string`);
  return object as Record<string, string>;
}
