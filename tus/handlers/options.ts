import { TUS_VERSION } from '@tus/server';
import { TusHandler } from './handler';

/** OPTIONS: what this server can do, exactly as composed in extensions.ts. */
export class OptionsHandler extends TusHandler {
  protected async handle(req: Request, _context: unknown, headers: Headers): Promise<Response> {
    const { extensions } = this.deps;
    headers.set('Tus-Version', TUS_VERSION.join(','));
    headers.set('Tus-Extension', extensions.advertised.join(','));
    const maxSize = await this.maxSize(req, null);
    if (maxSize > 0) headers.set('Tus-Max-Size', String(maxSize));
    if (extensions.checksum) headers.set('Tus-Checksum-Algorithm', extensions.checksumAlgorithms.join(','));
    return new Response(null, { status: 204, headers });
  }
}
