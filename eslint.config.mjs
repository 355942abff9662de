import nextVitals from 'eslint-config-next/core-web-vitals';
import nextTypescript from 'eslint-config-next/typescript';

const config = [
  ...nextVitals,
  ...nextTypescript,
  {
    ignores: ['.next/**', 'node_modules/**', 'data/**', 'test-results/**', 'playwright-report/**', 'next-env.d.ts'],
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
];

export default config;
