import type { DataStore } from '@tus/server';
import { canConcatenate, canKeepState, canList, canStage, canTerminate } from './capabilities';
import { CHECKSUM_ALGORITHMS, type ChecksumAlgorithm } from './checksum';
import type { ExpirationPolicy } from './expiration';

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
  /** The Tus-Extension list. */
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
  if (checksum) advertised.push('checksum');
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
