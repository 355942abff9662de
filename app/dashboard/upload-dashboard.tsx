'use client';

import type { Body, Meta, Uppy } from '@uppy/core';
import Dashboard from '@uppy/react/dashboard';
import { useEffect, useRef, useState } from 'react';
import { formatBytes, messages, type Language } from '../i18n';
import type { ConnectionWatch } from './connection';
import { confirmDiscard } from './confirm-discard';
import { createUppy, uploadToken, type UploaderSettings } from './create-uppy';
import { explainFailures } from './explain-failures';
import { giveFileListItsRole } from './list-role-fix';
import { keepFilesAcrossReloads } from './file-keeper';
import { UploadStatus } from './upload-status';
import { useAutoResume } from './use-auto-resume';
import { uppyLocale } from './uppy-locale';

type Props = { settings: UploaderSettings; language: Language };

export default function UploadDashboard({ settings, language }: Props) {
  const [uploader, setUploader] = useState<{ uppy: Uppy<Meta, Body>; connection: ConnectionWatch } | null>(null);

  useEffect(() => {
    let cancelled = false;
    // The token comes first: Golden Retriever resumes restored uploads as soon as Uppy exists.
    void Promise.all([uploadToken(settings), keepFilesAcrossReloads()]).then(
      ([token, keepFilesInWorker]) => {
        if (!cancelled) setUploader(createUppy(settings, language, token, keepFilesInWorker));
      },
      (error: unknown) => console.error('[upload] the dashboard could not start:', error),
    );
    return () => {
      cancelled = true;
    };
    // Created once per page: the settings and the Uppy id must not change under a running upload.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  return uploader === null ? <p className="speed">…</p> : <Uploader {...uploader} settings={settings} language={language} />;
}

function Uploader({
  uppy,
  connection,
  settings,
  language,
}: {
  uppy: Uppy<Meta, Body>;
  connection: ConnectionWatch;
  settings: UploaderSettings;
  language: Language;
}) {
  const t = messages(language);
  const ghosts = useAutoResume(uppy);
  const reselectInput = useRef<HTMLInputElement>(null);
  const section = useRef<HTMLElement>(null);

  useEffect(() => (section.current ? giveFileListItsRole(section.current) : undefined), []);

  useEffect(() => {
    uppy.setOptions({ locale: uppyLocale(language) });
    const stopExplaining = explainFailures(uppy, language, settings.maxSize);
    const stopConfirming = confirmDiscard(uppy, (names) => window.confirm(messages(language).confirmDiscard(names)));
    return () => {
      stopExplaining();
      stopConfirming();
    };
  }, [uppy, language, settings.maxSize]);

  useEffect(() => {
    // Exposed for operators debugging in the console, and for the browser tests.
    (window as unknown as { uppy?: typeof uppy }).uppy = uppy;
  }, [uppy]);

  return (
    <section className="uploader" ref={section}>
      {ghosts.length > 0 && (
        <div className="reselect" role="alert" data-testid="reselect-banner">
          <p>
            <strong>{t.reselectTitle(ghosts.length)}</strong> {t.reselectHint}
          </p>
          <ul>
            {ghosts.map((ghost) => (
              <li key={ghost.id}>{ghost.name}</li>
            ))}
          </ul>
          <button type="button" onClick={() => reselectInput.current?.click()} data-testid="reselect-button">
            {t.reselectButton}
          </button>{' '}
          <button type="button" className="secondary" onClick={() => uppy.removeFiles(ghosts.map((ghost) => ghost.id))}>
            {t.discardButton}
          </button>
          <input
            ref={reselectInput}
            type="file"
            multiple
            hidden
            data-testid="reselect-input"
            onChange={(event) => {
              const files = Array.from(event.target.files ?? []);
              uppy.addFiles(files.map((file) => ({ name: file.name, type: file.type, data: file, source: 'Reselect' })));
              event.target.value = '';
            }}
          />
        </div>
      )}
      <UploadStatus uppy={uppy} connection={connection} language={language} />
      <Dashboard
        uppy={uppy}
        width="100%"
        height={460}
        proudlyDisplayPoweredByUppy={false}
        note={t.limits(formatBytes(settings.maxSize), settings.expiresAfterMs === null ? null : t.period(settings.expiresAfterMs))}
        showRemoveButtonAfterComplete
        // Time left is ours (UploadStatus), from the recent rate: Uppy's is far off after a resume.
        hideProgressDetails
      />
    </section>
  );
}
