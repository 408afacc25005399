// The same edits as `postman-cognito refresh` on a Bruno (.bru) folder, with Bruno's own reader
// and writer (@usebruno/filestore, as the bru CLI ships it): the root auth becomes bearer with
// {{process.env.COGNITO_TOKEN}}, requests holding a bearer copy of {{token}} inherit. Writes
// only the files that change, in place. Usage: node patch_bruno.js <filestore> <folder>
const fs = require('fs');
const path = require('path');
const [filestore, dir] = process.argv.slice(2);
const fsx = require(filestore);
const opts = { format: 'bru' };
const REF = '{{process.env.COGNITO_TOKEN}}';

const rootFile = path.join(dir, 'collection.bru');
const root = fsx.parseCollection(fs.readFileSync(rootFile, 'utf8'), opts);
root.request = root.request || {};
root.request.auth = { ...(root.request.auth || {}), mode: 'bearer', bearer: { token: REF } };
const config = JSON.parse(fs.readFileSync(path.join(dir, 'bruno.json'), 'utf8'));
fs.writeFileSync(rootFile, fsx.stringifyCollection(root, config, opts));

function walk(d) {
  for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    const p = path.join(d, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'environments') walk(p);
    } else if (e.name.endsWith('.bru') && e.name !== 'folder.bru' && e.name !== 'collection.bru') {
      const item = fsx.parseRequest(fs.readFileSync(p, 'utf8'), opts);
      const auth = item.request && item.request.auth;
      if (auth && auth.mode === 'bearer' && auth.bearer && auth.bearer.token === '{{token}}') {
        item.request.auth = { mode: 'inherit' };
        fs.writeFileSync(p, fsx.stringifyRequest(item, opts));
      }
    }
  }
}
walk(dir);
