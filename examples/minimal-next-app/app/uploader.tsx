'use client';

import Uppy from '@uppy/core';
import Dashboard from '@uppy/dashboard';
import Tus from '@uppy/tus';
import { useEffect, useRef } from 'react';

/** Uppy's dashboard, sending to the engine in 8 MiB PATCHes and resuming from where the server stands. */
export function Uploader() {
  const target = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const uppy = new Uppy()
      .use(Dashboard, { inline: true, target: target.current ?? undefined, proudlyDisplayPoweredByUppy: false })
      .use(Tus, { endpoint: '/api/upload', chunkSize: 8 * 2 ** 20, retryDelays: [0, 1000, 3000, 5000] });
    return () => uppy.destroy();
  }, []);
  return <div ref={target} />;
}
