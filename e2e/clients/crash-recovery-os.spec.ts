import { defineCrashTest } from '../support/crash-test';

// The crash test with UPLOAD_DURABILITY=os: a process crash loses nothing, as with strict (e2e/support/crash-test.ts).
defineCrashTest('os');
