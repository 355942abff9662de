import { defineCrashTest } from '../support/crash-test';

// See e2e/support/crash-test.ts: twenty SIGKILLs mid-transfer, every upload byte-exact, nothing ever complete with wrong bytes.
defineCrashTest('strict');
