import type { DataStore } from '@tus/server';
import { canConcatenate, canKeepState, canList, canStage, canTerminate } from './capabilities';
import { CHECKSUM_ALGORITHMS, type ChecksumAlgorithm } from './checksum';
import type { ExpirationPolicy } from './expiration';
import type { UploadRequest } from './http/request';

/**
 * What this server can really do with the configured store, decided in one
 * place from the capabilities the store implements. Tus-Extension advertises
 * exactly this, and every handler checks it before relying on a capability.
 */
export interface Extensions {
  creationDeferLength: boolean;
  termination: boolean;
  checksum: boolean;
  concatenation: boolean;
  expiration: boolean;
  checksumAlgorithms: readonly ChecksumAlgorithm[];
  /** The Tus-Extension list where request trailers can be read (see advertisedTo). */
  advertised: string[];
}

export function composeExtensions(store: DataStore, expiration: ExpirationPolicy): Extensions {
  const creationDeferLength = store.hasExtension('creation-defer-length');
  const termination = canTerminate(store);
  const checksum = canStage(store);
  const concatenation = canConcatenate(store);
  // Expiring needs the activity clock, and removing expired uploads needs a listing.
  const expiration_ = expiration.enabled && canKeepState(store) && canList(store);
  const advertised = ['creation', 'creation-with-upload'];
  if (creationDeferLength) advertised.push('creation-defer-length');
  if (termination) advertised.push('termination');
  // A trailer's checksum is verified as a header's is, on bytes staged the same way: the same condition.
  if (checksum) advertised.push('checksum', 'checksum-trailer');
  // Finals may be created before their partials finish: the unfinished variant comes with it.
  if (concatenation) advertised.push('concatenation', 'concatenation-unfinished');
  if (expiration_) advertised.push('expiration');
  return {
    creationDeferLength,
    termination,
    checksum,
    concatenation,
    expiration: expiration_,
    checksumAlgorithms: checksum ? CHECKSUM_ALGORITHMS : [],
    advertised,
  };
}

/**
 * The Tus-Extension list for one request. checksum-trailer only where its
 * transport can deliver request trailers: a Web Request (a Next.js route
 * handler) has none, and a client told otherwise would have every such
 * request refused.
 */
export function advertisedTo(extensions: Extensions, req: UploadRequest): string[] {
  return req.trailer ? extensions.advertised : extensions.advertised.filter((name) => name !== 'checksum-trailer');
}
