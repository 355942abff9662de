import { cookies } from 'next/headers';
import { LANGUAGE_COOKIE, toLanguage, type Language } from './i18n';

/** The visitor's chosen language, remembered in a cookie so the server renders it without a flash. */
export async function currentLanguage(): Promise<Language> {
  return toLanguage((await cookies()).get(LANGUAGE_COOKIE)?.value);
}
