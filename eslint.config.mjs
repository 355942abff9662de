import nextVitals from 'eslint-config-next/core-web-vitals';
import nextTypescript from 'eslint-config-next/typescript';

const config = [
  ...nextVitals,
  ...nextTypescript,
  {
    ignores: ['**/.next/**', '**/node_modules/**', 'data/**', 'test-results/**', 'playwright-report/**', '**/next-env.d.ts'],
  },
  {
    // The upload engine knows nothing of the web layer that mounts it.
    files: ['tus/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@/app/*', '../app/*', '../../app/*', 'react', 'next', 'next/*'],
              message: 'tus/ must not depend on app/, React or Next.js.',
            },
          ],
        },
      ],
    },
  },
  {
    // The app, its server and its scripts use the engine as any app would: through the package's entries, never its files.
    files: ['app/**/*.{ts,tsx}', 'serve.ts', 'instrumentation.ts', 'scripts/**/*.ts', 'examples/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^((@/|(\\.\\.?/)+)tus(/|$)|@resumable-uploads/engine/(?!(next|server)$))',
              message: "Import the engine from '@resumable-uploads/engine' (or its /next and /server entries), not from its files.",
            },
          ],
        },
      ],
    },
  },
];

export default config;
