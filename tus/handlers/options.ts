import { TUS_VERSION } from '@tus/server';
import { advertisedTo } from '../extensions';
import type { Answer, AnswerHeaders } from '../http/answer';
import type { UploadRequest } from '../http/request';
import { TusHandler } from './handler';

/** OPTIONS: what this server can do, exactly as composed in extensions.ts. */
export class OptionsHandler extends TusHandler {
  protected async handle(req: UploadRequest, _id: unknown, _context: unknown, headers: AnswerHeaders): Promise<Answer> {
    const { extensions, maxSize } = this.deps;
    headers['Tus-Version'] = TUS_VERSION.join(',');
    headers['Tus-Extension'] = advertisedTo(extensions, req).join(',');
    if (maxSize > 0) headers['Tus-Max-Size'] = String(maxSize);
    if (extensions.checksum) headers['Tus-Checksum-Algorithm'] = extensions.checksumAlgorithms.join(',');
    return this.answer(204, headers);
  }
}
