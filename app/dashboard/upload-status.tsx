import type { Body, Meta, Uppy } from '@uppy/core';
import { formatBytes, messages, type Language } from '../i18n';
import type { ConnectionWatch } from './connection';
import { useConnection } from './use-connection';
import { useUploadSpeed } from './use-upload-speed';

/**
 * One line above the Dashboard with what a person needs while files upload:
 * whether the server can be reached, the speed and the time left. Uppy's own
 * status bar keeps only the percentage, so the two never disagree.
 */
export function UploadStatus({ uppy, connection, language }: { uppy: Uppy<Meta, Body>; connection: ConnectionWatch; language: Language }) {
  const t = messages(language);
  const { state, retryInSeconds } = useConnection(connection);
  const { speed, secondsLeft } = useUploadSpeed(uppy, state.kind === 'lost');

  const connectionText =
    state.kind === 'lost'
      ? t.connectionLost(retryInSeconds)
      : state.kind === 'resuming'
        ? t.resuming
        : state.kind === 'reconnected'
          ? t.reconnected
          : null;
  const timeLeft = secondsLeft === null ? null : secondsLeft === 'calculating' ? t.calculating : t.duration(secondsLeft);

  return (
    <div className="upload-status">
      <p className={`connection is-${state.kind}`} role="status" data-testid="connection" hidden={connectionText === null}>
        {connectionText}
      </p>
      <p className="speed">
        <span data-testid="upload-speed">
          {t.speed}: <output>{speed === null ? t.idle : `${formatBytes(Math.round(speed))}/s`}</output>
        </span>
        {timeLeft !== null && (
          <>
            {' · '}
            <span data-testid="time-left">
              {t.timeLeft}: <output>{timeLeft}</output>
            </span>
          </>
        )}
      </p>
    </div>
  );
}
