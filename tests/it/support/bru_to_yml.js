// Converts a Bruno collection kept as .bru files into its YAML form (OpenCollection) with
// Bruno's own reader and writer (@usebruno/filestore, as the bru CLI 4.1 ships it), file by
// file under the same names: node bru_to_yml.js FILESTORE SRC DST.
'use strict';
const fs = require('fs');
const path = require('path');
const [filestore, src, dst] = process.argv.slice(2);
const fsx = require(filestore);
const opts = { format: 'yml' };
const read = (p) => fs.readFileSync(p, 'utf8');
const config = JSON.parse(read(path.join(src, 'bruno.json')));
const root = fs.existsSync(path.join(src, 'collection.bru'))
  ? fsx.parseCollection(read(path.join(src, 'collection.bru')), { format: 'bru' })
  : {};
fs.mkdirSync(dst, { recursive: true });
fs.writeFileSync(
  path.join(dst, 'opencollection.yml'),
  fsx.stringifyCollection(root, { ...config, opencollection: '1.0.0' }, opts)
);
const walk = (from, to) => {
  for (const name of fs.readdirSync(from)) {
    const p = path.join(from, name);
    const q = path.join(to, name);
    if (fs.lstatSync(p).isDirectory()) {
      fs.mkdirSync(q, { recursive: true });
      walk(p, q);
    } else if (name === '.env') {
      fs.copyFileSync(p, q);
    } else if (!name.endsWith('.bru') || (from === src && name === 'collection.bru')) {
      continue;
    } else if (path.basename(from) === 'environments' && path.dirname(from) === src) {
      const env = fsx.parseEnvironment(read(p), { format: 'bru' });
      env.name = name.replace(/\.bru$/, '');
      fs.writeFileSync(q.replace(/\.bru$/, '.yml'), fsx.stringifyEnvironment(env, opts));
    } else if (name === 'folder.bru') {
      const folder = fsx.parseFolder(read(p), { format: 'bru' });
      fs.writeFileSync(path.join(to, 'folder.yml'), fsx.stringifyFolder(folder, opts));
    } else {
      const item = fsx.parseRequest(read(p), { format: 'bru' });
      fs.writeFileSync(q.replace(/\.bru$/, '.yml'), fsx.stringifyRequest(item, opts));
    }
  }
};
walk(src, dst);
