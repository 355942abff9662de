import type { Locale } from '@uppy/core/utils';
import en_US from '@uppy/locales/lib/en_US';
import zh_CN from '@uppy/locales/lib/zh_CN';
import type { Language } from '../i18n';

const LOCALES: Record<Language, Locale> = { en: en_US, 'zh-CN': zh_CN };

export function uppyLocale(language: Language): Locale {
  return LOCALES[language];
}
