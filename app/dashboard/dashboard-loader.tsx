'use client';

import dynamic from 'next/dynamic';

// Uppy's Golden Retriever reads IndexedDB and localStorage as it is created,
// so the dashboard exists in the browser only.
export const DashboardLoader = dynamic(() => import('./upload-dashboard'), { ssr: false });
