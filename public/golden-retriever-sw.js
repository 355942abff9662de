// Keeps the File objects of unfinished uploads alive across a page reload, so
// the dashboard can resume files too large for IndexedDB without asking the
// user to select them again. A File posted here is a reference to the file on
// disk, not a copy. A browser crash or restart ends this worker, and with it
// the references: those files come back as "re-select" placeholders.
//
// This is Uppy's @uppy/golden-retriever/lib/ServiceWorker.js (MIT licence,
// Transloadit) as a classic script, which every browser can register.

const fileCache = Object.create(null);

function getCache(name) {
  fileCache[name] ??= Object.create(null);
  return fileCache[name];
}

self.addEventListener('install', (event) => {
  event.waitUntil(Promise.resolve().then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim());
});

function sendMessageToAllClients(msg) {
  self.clients.matchAll().then((clientList) => {
    clientList.forEach((client) => client.postMessage(msg));
  });
}

self.addEventListener('message', (event) => {
  const data = event.data;
  switch (data?.type) {
    case 'uppy/ADD_FILE':
      getCache(data.store)[data.file.id] = data.file.data;
      break;
    case 'uppy/REMOVE_FILE':
      delete getCache(data.store)[data.fileID];
      break;
    case 'uppy/GET_FILES':
      sendMessageToAllClients({ type: 'uppy/ALL_FILES', store: data.store, files: getCache(data.store) });
      break;
    default:
      throw new Error(`[ServiceWorker] Unsupported event.data.type. Got: ${data?.type}`);
  }
});
