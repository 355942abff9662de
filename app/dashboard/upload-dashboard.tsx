'use client';

import type { Body, Meta, Uppy } from '@uppy/core';
import Dashboard from '@uppy/react/dashboard';
import { useEffect, useRef, useState } from 'react';
import { formatBytes, messages, type Language } from '../i18n';
import { createUppy, uploadToken, type UploaderSettings } from './create-uppy';
import { keepFilesAcrossReloads } from './file-keeper';
import { useAutoResume } from './use-auto-resume';
import { useUploadSpeed } from './use-upload-speed';
import { uppyLocale } from './uppy-locale';

type Props = { settings: UploaderSettings; language: Language };

export default function UploadDashboard({ settings, language }: Props) {
  const [uppy, setUppy] = useState<Uppy<Meta, Body> | null>(null);

  useEffect(() => {
    let cancelled = false;
    // The token comes first: Golden Retriever resumes restored uploads as soon as Uppy exists.
    void Promise.all([uploadToken(settings), keepFilesAcrossReloads()]).then(
      ([token, keepFilesInWorker]) => {
        if (!cancelled) setUppy(createUppy(settings, language, token, keepFilesInWorker));
      },
      (error: unknown) => console.error('[upload] the dashboard could not start:', error),
    );
    return () => {
      cancelled = true;
    };
    // Created once per page: the settings and the Uppy id must not change under a running upload.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  return uppy === null ? <p className="speed">…</p> : <Uploader uppy={uppy} language={language} />;
}

function Uploader({ uppy, language }: { uppy: Uppy<Meta, Body>; language: Language }) {
  const t = messages(language);
  const ghosts = useAutoResume(uppy);
  const speed = useUploadSpeed(uppy);
  const reselectInput = useRef<HTMLInputElement>(null);

  useEffect(() => {
    uppy.setOptions({ locale: uppyLocale(language) });
  }, [uppy, language]);

  useEffect(() => {
    // Exposed for operators debugging in the console, and for the browser tests.
    (window as unknown as { uppy?: typeof uppy }).uppy = uppy;
  }, [uppy]);

  return (
    <section className="uploader">
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
          <button type="button" className="secondary" onClick={() => ghosts.forEach((ghost) => uppy.removeFile(ghost.id))}>
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
      <p className="speed" data-testid="upload-speed">
        {t.speed}: <output>{speed === null ? t.idle : `${formatBytes(Math.round(speed))}/s`}</output>
      </p>
      <Dashboard uppy={uppy} width="100%" height={460} proudlyDisplayPoweredByUppy={false} showRemoveButtonAfterComplete />
    </section>
  );
}
