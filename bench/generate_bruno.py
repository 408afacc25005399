"""Writes a Bruno collection folder (.bru) of N request files (argv: folder, N), shaped like the
Bruno app writes them: folders of 100 requests with a folder.bru, a collection.bru whose auth is
none, and every request holding a stale bearer copy (`auth: bearer` with `{{token}}`), so that
every request file changes (the worst case)."""
import os
import sys

import genfiles

root, n = sys.argv[1], int(sys.argv[2])


def write(rel, text):
    genfiles.write(os.path.join(root, rel), text)


write("bruno.json", '{\n  "version": "1",\n  "name": "Bench API",\n  "type": "collection"\n}\n')
write("collection.bru", "meta {\n  name: Bench API\n}\n\nauth {\n  mode: none\n}\n\n"
      "docs {\n  A generated collection.\n}\n")
write("environments/ci.bru", "vars {\n  base: https://api.example.com\n}\n")
for i in range(n):
    folder = "Folder %03d" % (i // 100)
    if i % 100 == 0:
        write(folder + "/folder.bru",
              "meta {\n  name: %s\n  seq: %d\n}\n\nauth {\n  mode: inherit\n}\n" % (folder, i // 100 + 1))
    write("%s/Request %05d.bru" % (folder, i),
          "meta {\n  name: Request %05d\n  type: http\n  seq: %d\n}\n\n"
          "get {\n  url: {{base}}/items/%d?expand=true\n  body: none\n  auth: bearer\n}\n\n"
          "headers {\n  Accept: application/json\n  X-Request-Id: req-%d\n}\n\n"
          "auth:bearer {\n  token: {{token}}\n}\n\n"
          "tests {\n  test(\"ok\", function() {\n    expect(res.getStatus()).to.equal(200);\n  });\n}\n"
          % (i, i % 100 + 1, i, i))
