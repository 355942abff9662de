/**
 * The baseline: standalone @tus/server + @tus/file-store with their default
 * options, as their README shows it, so the bench compares against what a user
 * of the libraries gets without this app. Run by bench/servers.ts with PORT and
 * UPLOAD_DIR in the environment.
 */
import http from 'node:http';
import { FileStore } from '@tus/file-store';
import { Server } from '@tus/server';
import { READY } from './servers';

const port = Number(process.env.PORT);
const directory = process.env.UPLOAD_DIR;
if (!port || !directory) throw new Error('baseline-server needs PORT and UPLOAD_DIR');

const tus = new Server({ path: '/files', datastore: new FileStore({ directory }) });
const server = http.createServer((req, res) => void tus.handle(req, res));
server.listen(port, '127.0.0.1', () => console.log(`${READY} on ${port} (baseline @tus/server, ${directory})`));
