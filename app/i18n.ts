import type { FileKind } from './uploads/file-kind';

/** The page's own text in each language the app speaks (Uppy brings its own strings). */

export const LANGUAGES = ['en', 'zh-CN'] as const;
export type Language = (typeof LANGUAGES)[number];
export const LANGUAGE_COOKIE = 'lang';

export function toLanguage(value: string | undefined | null): Language {
  return LANGUAGES.includes(value as Language) ? (value as Language) : 'en';
}

/**
 * The first language of an Accept-Language header (by weight, then order)
 * that the app speaks: any Chinese as zh-CN, any English as en; en when
 * none matches.
 */
export function preferredLanguage(acceptLanguage: string | null): Language {
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((param) => /^\s*q=([\d.]+)\s*$/.exec(param)?.[1]).find((value) => value !== undefined);
      return { tag: tag.trim().toLowerCase(), weight: q === undefined ? 1 : Number(q), index };
    })
    .filter(({ tag, weight }) => tag !== '' && weight > 0)
    .sort((a, b) => b.weight - a.weight || a.index - b.index);
  for (const { tag } of ranked) {
    if (tag === 'zh' || tag.startsWith('zh-')) return 'zh-CN';
    if (tag === 'en' || tag.startsWith('en-')) return 'en';
  }
  return 'en';
}

const en = {
  languageName: 'English',
  switchLanguage: 'Language',
  title: 'Resumable uploads',
  tagline: 'Interrupted uploads continue where they stopped: after a dropped connection, a reload or a server restart.',
  limits: (maxSize: string, keptFor: string | null) =>
    `Up to ${maxSize} per file. ` +
    (keptFor === null
      ? 'Unfinished uploads are kept until removed.'
      : `Unfinished uploads are kept for ${keptFor} after their last bytes.`),
  navUpload: 'Upload',
  uploadTitle: 'Upload files',
  navUploads: 'Uploaded files',
  speed: 'Upload speed',
  idle: 'idle',
  timeLeft: 'Time left',
  calculating: 'calculating…',
  period: (ms: number) => {
    const { days, hours, minutes } = splitPeriod(ms);
    return days > 0 ? `${days} d` : hours > 0 ? `${hours} h` : `${minutes} min`;
  },
  duration: (seconds: number) => {
    const { hours, minutes, secs } = splitDuration(seconds);
    if (hours > 0) return `${hours} h ${minutes} min`;
    if (minutes > 0) return `${minutes} min ${secs} s`;
    return `${secs} s`;
  },
  connectionLost: (seconds: number | null) =>
    seconds === null ? 'Connection lost — waiting for the network' : `Connection lost — retrying in ${seconds} s`,
  resuming: 'Server reachable again — resuming…',
  reconnected: 'Reconnected',
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
  columnActions: 'Actions',
  columnSelect: 'Select',
  download: 'Download',
  downloadNamed: (name: string) => `Download ${name}`,
  delete: 'Delete',
  deleteNamed: (name: string) => `Delete ${name}`,
  selectNamed: (name: string) => `Select ${name}`,
  copyLink: 'Copy link',
  copyLinkNamed: (name: string) => `Copy link to ${name}`,
  copied: 'Copied',
  copyFailed: 'Could not copy',
  deleteFailed: 'Could not delete the file',
  confirmDelete: (name: string) => `Delete ${name}?`,
  tooLarge: (limit: string) => `Larger than the ${limit} limit: not sent.`,
  failure: (status: number, limit: string) =>
    status === 413
      ? `Larger than the ${limit} limit.`
      : status === 401 || status === 403
        ? 'The server refused this upload.'
        : status === 404 || status === 410
          ? 'The upload is gone from the server (expired or deleted). Retry starts it again.'
          : status === 0
            ? 'The server could not be reached. Retry when the connection is back.'
            : status >= 500
              ? 'The server had a problem. Retry in a moment.'
              : 'The upload failed. Retry to try again.',
  deleteSelected: 'Delete selected',
  noneSelected: 'Select the files to delete first.',
  confirmDeleteMany: (count: number) => (count === 1 ? 'Delete 1 file?' : `Delete ${count} files?`),
  deleteManyFailed: (count: number) => (count === 1 ? 'Could not delete 1 file' : `Could not delete ${count} files`),
  summary: (count: number, size: string) => `${count === 1 ? '1 file' : `${count} files`}, ${size}`,
  search: 'Search by name',
  sortBy: 'Sort by',
  sortNewest: 'Newest first',
  sortName: 'Name (A–Z)',
  sortSize: 'Largest first',
  apply: 'Apply',
  noMatches: 'No file matches this search.',
  pages: 'Pages',
  previousPage: 'Previous',
  nextPage: 'Next',
  pageOf: (page: number, pages: number) => `Page ${page} of ${pages}`,
  kinds: {
    pdf: 'PDF document',
    png: 'PNG image',
    jpeg: 'JPEG image',
    gif: 'GIF image',
    webp: 'WebP image',
    avif: 'AVIF image',
    image: 'Image',
    text: 'Text',
    spreadsheet: 'Spreadsheet',
    json: 'JSON data',
    audio: 'Audio',
    video: 'Video',
    archive: 'Archive',
    file: 'File',
  } satisfies Record<FileKind, string>,
  confirmDiscard: (names: string[]) =>
    names.length === 1
      ? `“${names[0]}” is partly uploaded. Cancel it and delete what the server has received?`
      : `${names.length} files are partly uploaded. Cancel them and delete what the server has received?`,
};

export type Messages = typeof en;

const zhCN: Messages = {
  languageName: '简体中文',
  switchLanguage: '语言',
  title: '可续传上传',
  tagline: '上传中断后会从中断处继续：无论是网络断开、页面刷新还是服务器重启。',
  limits: (maxSize: string, keptFor: string | null) =>
    `每个文件最大 ${maxSize}。` +
    (keptFor === null ? '未完成的上传会一直保留，直到被删除。' : `未完成的上传在最后一次写入后保留 ${keptFor}。`),
  navUpload: '上传',
  uploadTitle: '上传文件',
  navUploads: '已上传的文件',
  speed: '上传速度',
  idle: '空闲',
  timeLeft: '剩余时间',
  calculating: '正在计算…',
  period: (ms: number) => {
    const { days, hours, minutes } = splitPeriod(ms);
    return days > 0 ? `${days} 天` : hours > 0 ? `${hours} 小时` : `${minutes} 分钟`;
  },
  duration: (seconds: number) => {
    const { hours, minutes, secs } = splitDuration(seconds);
    if (hours > 0) return `${hours} 小时 ${minutes} 分`;
    if (minutes > 0) return `${minutes} 分 ${secs} 秒`;
    return `${secs} 秒`;
  },
  connectionLost: (seconds: number | null) => (seconds === null ? '连接已断开 — 正在等待网络' : `连接已断开 — ${seconds} 秒后重试`),
  resuming: '服务器已可访问 — 正在继续…',
  reconnected: '已重新连接',
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
  columnActions: '操作',
  columnSelect: '选择',
  download: '下载',
  downloadNamed: (name: string) => `下载 ${name}`,
  delete: '删除',
  deleteNamed: (name: string) => `删除 ${name}`,
  selectNamed: (name: string) => `选择 ${name}`,
  copyLink: '复制链接',
  copyLinkNamed: (name: string) => `复制 ${name} 的链接`,
  copied: '已复制',
  copyFailed: '无法复制',
  deleteFailed: '无法删除该文件',
  confirmDelete: (name: string) => `删除 ${name}？`,
  tooLarge: (limit: string) => `超过 ${limit} 的大小上限：未发送。`,
  failure: (status: number, limit: string) =>
    status === 413
      ? `超过 ${limit} 的大小上限。`
      : status === 401 || status === 403
        ? '服务器拒绝了此上传。'
        : status === 404 || status === 410
          ? '服务器上已没有此上传（已过期或被删除）。重试会重新开始。'
          : status === 0
            ? '无法连接服务器。连接恢复后请重试。'
            : status >= 500
              ? '服务器出现问题。请稍后重试。'
              : '上传失败。请重试。',
  deleteSelected: '删除所选',
  noneSelected: '请先选择要删除的文件。',
  confirmDeleteMany: (count: number) => `删除 ${count} 个文件？`,
  deleteManyFailed: (count: number) => `有 ${count} 个文件无法删除`,
  summary: (count: number, size: string) => `共 ${count} 个文件，${size}`,
  search: '按名称搜索',
  sortBy: '排序',
  sortNewest: '最新优先',
  sortName: '名称（A–Z）',
  sortSize: '最大优先',
  apply: '应用',
  noMatches: '没有与搜索匹配的文件。',
  pages: '分页',
  previousPage: '上一页',
  nextPage: '下一页',
  pageOf: (page: number, pages: number) => `第 ${page} 页，共 ${pages} 页`,
  kinds: {
    pdf: 'PDF 文档',
    png: 'PNG 图片',
    jpeg: 'JPEG 图片',
    gif: 'GIF 图片',
    webp: 'WebP 图片',
    avif: 'AVIF 图片',
    image: '图片',
    text: '文本',
    spreadsheet: '表格',
    json: 'JSON 数据',
    audio: '音频',
    video: '视频',
    archive: '压缩包',
    file: '文件',
  },
  confirmDiscard: (names: string[]) =>
    names.length === 1
      ? `“${names[0]}”已部分上传。要取消并删除服务器已收到的内容吗？`
      : `${names.length} 个文件已部分上传。要取消并删除服务器已收到的内容吗？`,
};

/** Whole seconds, rounded up so that "0 s" never shows while bytes are left. */
function splitDuration(seconds: number): { hours: number; minutes: number; secs: number } {
  const total = Math.max(1, Math.ceil(seconds));
  return { hours: Math.floor(total / 3600), minutes: Math.floor((total % 3600) / 60), secs: total % 60 };
}

/** A configured period in its largest whole unit: whole days from 2 days, whole hours from 1 hour, else minutes. */
function splitPeriod(ms: number): { days: number; hours: number; minutes: number } {
  const minutes = Math.max(1, Math.round(ms / 60_000));
  const whole = (unit: number, from: number) => (minutes >= from && minutes % unit === 0 ? minutes / unit : 0);
  return { days: whole(1440, 2880), hours: whole(60, 60), minutes };
}

const MESSAGES: Record<Language, Messages> = { en, 'zh-CN': zhCN };

export function messages(language: Language): Messages {
  return MESSAGES[language];
}

/**
 * Bytes as every part of the app shows them, in the units and rounding of
 * Uppy's Dashboard (its file sizes, status bar and notices), so one page
 * never shows two systems: powers of 1024 named KB, MB, GB, TB; one decimal
 * below 10 (two from GB on), whole numbers above.
 */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  if (bytes <= 0) return '0 B';
  const exponent = Math.min(Math.floor(Math.log(bytes) / Math.log(1024)), units.length - 1);
  const value = bytes / 1024 ** exponent;
  const unit = units[exponent];
  if (Number.isInteger(value)) return `${value} ${unit}`;
  if (exponent >= 3) return `${value.toFixed(2)} ${unit}`;
  return `${value >= 10 ? Math.round(value) : value.toFixed(1)} ${unit}`;
}
