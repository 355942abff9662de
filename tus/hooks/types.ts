/**
 * Hooks: code an app runs at the points of an upload's life that tusd names
 * (https://tus.github.io/tusd/advanced-topics/hooks/), with tusd's event and
 * answer, in camelCase. The webhooks send the same event as tusd's JSON, so
 * a receiver written for tusd works unchanged; docs/hooks.md maps the names.
 *
 * Blocking hooks (pre-*) are awaited, and what they answer decides. The
 * others run once the event happened and cannot change it; what they throw
 * is logged.
 */
export type HookType = 'pre-create' | 'post-create' | 'post-receive' | 'pre-finish' | 'post-finish' | 'pre-terminate' | 'post-terminate';

export const HOOK_TYPES: readonly HookType[] = [
  'pre-create',
  'post-create',
  'post-receive',
  'pre-finish',
  'post-finish',
  'pre-terminate',
  'post-terminate',
];

/** The upload an event is about, as tusd describes it (`Event.Upload`). */
export interface HookUpload {
  /** Null in pre-create: the upload has no id yet. */
  id: string | null;
  /** Null while the length is deferred. */
  size: number | null;
  sizeIsDeferred: boolean;
  offset: number;
  /** Values are strings: a key sent without a value is an empty string, as in tusd. */
  metadata: Record<string, string>;
  isPartial: boolean;
  isFinal: boolean;
  /** The ids of a final's partial uploads; null otherwise. */
  partialUploads: string[] | null;
  /** Where the bytes are; null before the upload exists (pre-create). */
  storage: HookStorage | null;
}

/**
 * Where an upload's bytes are. On the file store `path` is a file, except for
 * a final upload made of partial uploads: a folder of links to its parts, to
 * be read in name order (tus/README.md).
 */
export type HookStorage = { type: 'filestore'; path: string } | { type: 's3store'; bucket: string; key: string };

/** The HTTP request that caused the event (`Event.HTTPRequest`). */
export interface HookHttpRequest {
  method: string;
  /** The path and query as received. */
  uri: string;
  /** The peer's address and port, as tusd gives it (a proxy's, behind one). */
  remoteAddr: string;
  /** Every header, by lower-case name. */
  header: Record<string, string[]>;
}

export interface HookEvent {
  type: HookType;
  upload: HookUpload;
  httpRequest: HookHttpRequest;
}

/** What a hook may change in the answer to the request: status, body, headers. */
export interface HookHttpResponse {
  statusCode?: number;
  body?: string;
  header?: Record<string, string>;
}

export interface PreCreateAnswer {
  /** Refuse the creation: nothing is stored; the client gets httpResponse (400 by default). */
  rejectUpload?: boolean;
  httpResponse?: HookHttpResponse;
  changeFileInfo?: {
    /** The new upload's id instead of a random one: letters, digits, `-` and `_`, at most 128. Taken ids are refused (409). */
    id?: string;
    /** Replaces the metadata stored (and answered to HEAD). */
    metadata?: Record<string, string>;
  };
}

export interface PostReceiveAnswer {
  /** Stops the running PATCH and removes the upload, as tusd does; the client gets httpResponse (400 by default). */
  stopUpload?: boolean;
  httpResponse?: HookHttpResponse;
}

export interface PreFinishAnswer {
  /**
   * Refuses the finished upload (not in tusd): it is removed, post-terminate
   * follows instead of post-finish, and the request that completed it gets
   * httpResponse (400 by default). Otherwise httpResponse changes that answer.
   */
  rejectUpload?: boolean;
  httpResponse?: HookHttpResponse;
}

export interface PreTerminateAnswer {
  /** Keeps the upload: the DELETE gets httpResponse (400 by default). */
  rejectTermination?: boolean;
  httpResponse?: HookHttpResponse;
}

type Answering<T> = (event: HookEvent) => T | void | Promise<T | void>;
type Notified = (event: HookEvent) => unknown;

/**
 * The hooks an app gives the engine (EngineOptions.hooks). A blocking hook
 * that throws fails its request with a 500 and changes nothing stored, except
 * pre-finish: the bytes are then all stored already, so the upload stays and
 * post-finish follows as for any finished upload.
 */
export interface UploadHooks {
  /** Before an upload is created: may refuse it, or choose its id and metadata. */
  preCreate?: Answering<PreCreateAnswer>;
  /** Once the upload exists, before its first bytes (creation-with-upload). */
  postCreate?: Notified;
  /** While bytes arrive, at most once per `postReceiveIntervalMs`, and when a request stops writing. May stop the upload. */
  postReceive?: Answering<PostReceiveAnswer>;
  /** Once every byte is stored, before the request that completed the upload is answered. */
  preFinish?: Answering<PreFinishAnswer>;
  /** Once every byte is stored and the upload counts as finished. */
  postFinish?: Notified;
  /** Before a DELETE removes the upload: may refuse. */
  preTerminate?: Answering<PreTerminateAnswer>;
  /** Once an upload was removed by a DELETE, post-receive's stopUpload or pre-finish's rejectUpload. */
  postTerminate?: Notified;
}
