/**
 * The page a sink serves at `/` for the dashboard workload: what tus-js-client
 * does in the dashboard, minus Uppy: the chosen file cut into the same
 * pieces, each a POST then PATCHes of the same chunk size sent with
 * XMLHttpRequest, pieces at the same time. On a sink that stores without
 * flushing it measures what this Chromium can send at all, the bound of the
 * dashboard's target.
 */
export const SENDER_PAGE = `<!doctype html>
<meta charset="utf-8">
<title>bench: browser sender</title>
<input type="file" id="file">
<script>
function request(method, url, headers, body) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, url);
    for (const [name, value] of Object.entries(headers)) xhr.setRequestHeader(name, value);
    xhr.onload = () => resolve(xhr);
    xhr.onerror = () => reject(new Error(method + ' ' + url + ': network error'));
    xhr.send(body);
  });
}

async function sendPiece(file, start, end, chunk) {
  const created = await request('POST', '/files', { 'Tus-Resumable': '1.0.0', 'Upload-Length': String(end - start) }, null);
  if (created.status !== 201) throw new Error('POST answered ' + created.status);
  const url = new URL(created.getResponseHeader('Location'), location.href).href;
  for (let offset = 0; offset < end - start; offset += chunk) {
    const headers = { 'Tus-Resumable': '1.0.0', 'Upload-Offset': String(offset), 'Content-Type': 'application/offset+octet-stream' };
    const answer = await request('PATCH', url, headers, file.slice(start + offset, Math.min(end, start + offset + chunk)));
    if (answer.status !== 204) throw new Error('PATCH answered ' + answer.status);
  }
  return { url, length: end - start };
}

// Pieces as tus-js-client cuts them: equal, the last one taking the remainder.
window.sendFile = async (chunk, pieces) => {
  const file = document.getElementById('file').files[0];
  const started = performance.now();
  const size = Math.floor(file.size / pieces);
  const sent = await Promise.all(
    Array.from({ length: pieces }, (_, i) => sendPiece(file, i * size, i === pieces - 1 ? file.size : (i + 1) * size, chunk)),
  );
  return { pieces: sent, ms: performance.now() - started };
};
</script>
`;
