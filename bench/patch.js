// The same edit as `postman-cognito refresh` (default policy) with the postman-collection
// package, as a Node script in the Postman ecosystem would do it.
// Run: node bench/patch.js in.json out.json TOKEN
const fs = require('fs');
const path = require('path');
const { Collection, RequestAuth } = require(path.join(process.env.BENCH_NODE_MODULES, 'postman-collection'));

const [input, output, token] = process.argv.slice(2);
const collection = new Collection(JSON.parse(fs.readFileSync(input, 'utf8')));
collection.auth = new RequestAuth({
  type: 'oauth2',
  oauth2: [
    { key: 'accessToken', value: token, type: 'string' },
    { key: 'tokenType', value: 'Bearer', type: 'string' },
    { key: 'addTokenTo', value: 'header', type: 'string' },
  ],
});
const stale = (auth) => auth && (auth.type === 'bearer' || auth.type === 'oauth2');
collection.forEachItemGroup((group) => { if (stale(group.auth)) { group.auth = undefined; } });
collection.forEachItem((item) => { if (stale(item.request.auth)) { item.request.auth = undefined; } });
fs.writeFileSync(output, JSON.stringify(collection.toJSON(), null, '\t'));
