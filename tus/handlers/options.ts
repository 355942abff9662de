import { TUS_VERSION } from '@tus/server';
import type { Answer, AnswerHeaders } from '../http/answer';
import { TusHandler } from './handler';

/** OPTIONS: what this server can do, exactly as composed in extensions.ts. */
export class OptionsHandler extends TusHandler {
  protected async handle(_req: unknown, _id: unknown, _context: unknown, headers: AnswerHeaders): Promise<Answer> {
    const { extensions, maxSize } = this.deps;
    headers['Tus-Version'] = TUS_VERSION.join(',');
    headers['Tus-Extension'] = extensions.advertised.join(',');
    if (maxSize > 0) headers['Tus-Max-Size'] = String(maxSize);
    if (extensions.checksum) headers['Tus-Checksum-Algorithm'] = extensions.checksumAlgorithms.join(',');
    return this.answer(204, headers);
  }
}
