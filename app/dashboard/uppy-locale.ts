import type { Locale } from '@uppy/core/utils';
import en_US from '@uppy/locales/lib/en_US';
import zh_CN from '@uppy/locales/lib/zh_CN';
import type { Language } from '../i18n';

/**
 * Uppy's strings, with each file's remove button named after its file
 * ("Remove 报告.pdf"): Uppy passes the name but its own string drops it,
 * so a screen reader would hear a row of identical "Remove file" buttons.
 */
const LOCALES: Record<Language, Locale> = {
  en: withStrings(en_US, { removeFile: 'Remove %{file}' }),
  'zh-CN': withStrings(zh_CN, { removeFile: '删除文件 %{file}' }),
};

export function uppyLocale(language: Language): Locale {
  return LOCALES[language];
}

function withStrings(locale: Locale, strings: Locale['strings']): Locale {
  return { ...locale, strings: { ...locale.strings, ...strings } };
}
