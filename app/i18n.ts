/** The page's own text in each language the app speaks (Uppy brings its own strings). */

export const LANGUAGES = ['en', 'zh-CN'] as const;
export type Language = (typeof LANGUAGES)[number];
export const LANGUAGE_COOKIE = 'lang';

export function toLanguage(value: string | undefined | null): Language {
  return LANGUAGES.includes(value as Language) ? (value as Language) : 'en';
}

const en = {
  languageName: 'English',
  switchLanguage: 'Language',
  title: 'Resumable uploads',
  tagline:
    'Drop files of any size. Interrupted uploads continue where they stopped: after a dropped connection, a reload or a server restart.',
  navUpload: 'Upload',
  navUploads: 'Uploaded files',
  speed: 'Upload speed',
  idle: 'idle',
  reselectTitle: (count: number) => `${count === 1 ? 'One file' : `${count} files`} from your last visit could not be kept by the browser.`,
  reselectHint: 'Select the same file again and its upload continues from where the server stopped.',
  reselectButton: 'Re-select files',
  discardButton: 'Discard',
  uploadsTitle: 'Uploaded files',
  uploadsEmpty: 'No completed uploads yet.',
  columnName: 'Name',
  columnSize: 'Size',
  columnType: 'Type',
  columnDate: 'Completed',
  download: 'Download',
  delete: 'Delete',
  deleteFailed: 'Could not delete the file',
  confirmDelete: (name: string) => `Delete ${name}?`,
};

export type Messages = typeof en;

const zhCN: Messages = {
  languageName: '简体中文',
  switchLanguage: '语言',
  title: '可续传上传',
  tagline: '拖入任意大小的文件。上传中断后会从中断处继续：无论是网络断开、页面刷新还是服务器重启。',
  navUpload: '上传',
  navUploads: '已上传的文件',
  speed: '上传速度',
  idle: '空闲',
  reselectTitle: (count: number) => `上次访问中有 ${count} 个文件未能保存在浏览器中。`,
  reselectHint: '重新选择同一个文件，它的上传会从服务器停止的位置继续。',
  reselectButton: '重新选择文件',
  discardButton: '放弃',
  uploadsTitle: '已上传的文件',
  uploadsEmpty: '还没有完成的上传。',
  columnName: '名称',
  columnSize: '大小',
  columnType: '类型',
  columnDate: '完成时间',
  download: '下载',
  delete: '删除',
  deleteFailed: '无法删除该文件',
  confirmDelete: (name: string) => `删除 ${name}？`,
};

const MESSAGES: Record<Language, Messages> = { en, 'zh-CN': zhCN };

export function messages(language: Language): Messages {
  return MESSAGES[language];
}

/** Bytes as the dashboard shows them (binary units, one decimal). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}
