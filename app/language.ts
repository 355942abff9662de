import { cookies, headers } from 'next/headers';
import { LANGUAGE_COOKIE, preferredLanguage, toLanguage, type Language } from './i18n';

/**
 * The visitor's language: the one they chose (remembered in a cookie, so the
 * server renders it without a flash), else the first their browser asks for
 * that the app speaks (Accept-Language).
 */
export async function currentLanguage(): Promise<Language> {
  const chosen = (await cookies()).get(LANGUAGE_COOKIE)?.value;
  if (chosen !== undefined) return toLanguage(chosen);
  return preferredLanguage((await headers()).get('accept-language'));
}
