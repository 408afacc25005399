// The same edits as `postman-cognito refresh` on a v3 folder, with the `yaml` package
// (parseDocument keeps comments): the root auth becomes oauth2 with the token, requests and
// folders holding bearer/oauth2 copies or inherit markers lose their auth. Writes only the
// files that change. Usage: node patch_v3.js <folder> <token>
const fs = require('fs');
const path = require('path');
const YAML = require(path.join(process.env.BENCH_NODE_MODULES || 'node_modules', 'yaml'));
const [dir, token] = process.argv.slice(2);

function walk(d, out) {
  for (const e of fs.readdirSync(d, { withFileTypes: true })) {
    const p = path.join(d, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.name.endsWith('.request.yaml') || e.name === 'definition.yaml') out.push(p);
  }
  return out;
}

const rootDef = path.join(dir, '.resources', 'definition.yaml');
for (const file of walk(dir, [])) {
  const text = fs.readFileSync(file, 'utf8');
  const doc = YAML.parseDocument(text);
  if (file === rootDef) {
    let auth = doc.get('auth', true);
    const entry = YAML.isSeq(auth) ? auth.items[0] : auth;
    const creds = { accessToken: token, tokenType: 'Bearer', addTokenTo: 'header' };
    if (entry && YAML.isMap(entry)) {
      if (entry.get('type') !== 'oauth2') {
        entry.set('type', 'oauth2');
        entry.set('credentials', doc.createNode(creds));
      } else {
        for (const [k, v] of Object.entries(creds)) entry.setIn(['credentials', k], v);
      }
    } else {
      doc.set('auth', doc.createNode({ type: 'oauth2', credentials: creds }));
    }
  } else {
    const auth = doc.get('auth', true);
    if (auth === undefined) continue;
    const entry = YAML.isSeq(auth) ? auth.items[0] : auth;
    const type = entry && YAML.isMap(entry) ? entry.get('type') : null;
    if (!(type == null || ['inherit', 'oauth2', 'bearer'].includes(type))) continue;
    doc.delete('auth');
  }
  const out = doc.toString();
  if (out !== text) fs.writeFileSync(file, out);
}
