// A tiny static file server for the browser tests: serves DIR on
// 127.0.0.1 at a free port (or PORT) and prints "http://127.0.0.1:PORT/"
// on stdout once it listens. Missing files get 404.html with status 404.
//
//   node tests/browser/serve.mjs DIR [PORT]
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png',
  '.wasm': 'application/wasm', '.xml': 'application/xml', '.txt': 'text/plain; charset=utf-8',
};

export function serve(dir, port = 0) {
  const root = path.resolve(dir);
  const server = http.createServer((req, res) => {
    let rel;
    try {
      rel = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    let file = path.join(root, path.normalize(rel));
    if (!file.startsWith(root)) {
      res.writeHead(403).end();
      return;
    }
    if (file.endsWith(path.sep) || (fs.existsSync(file) && fs.statSync(file).isDirectory()))
      file = path.join(file, 'index.html');
    fs.readFile(file, (err, data) => {
      if (err) {
        const nf = path.join(root, '404.html');
        res.writeHead(404, { 'content-type': TYPES['.html'] });
        res.end(fs.existsSync(nf) ? fs.readFileSync(nf) : 'not found');
        return;
      }
      res.writeHead(200, {
        'content-type': TYPES[path.extname(file)] || 'application/octet-stream',
        'cache-control': 'no-store',
      });
      res.end(data);
    });
  });
  return new Promise((resolve) => {
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [dir, port] = process.argv.slice(2);
  if (!dir) {
    console.error('usage: node tests/browser/serve.mjs DIR [PORT]');
    process.exit(2);
  }
  const server = await serve(dir, Number(port || 0));
  console.log(`http://127.0.0.1:${server.address().port}/`);
}
