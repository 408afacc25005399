"""Writes a v3 collection folder of N request files (argv: folder, N) shaped like the Postman
CLI's `collection migrate` output: folders of 100 requests, a bearer root auth to replace, and
every request holding a stale bearer copy to remove (the worst case: every file changes)."""
import os
import sys

import genfiles

root, n = sys.argv[1], int(sys.argv[2])


def write(rel, text):
    genfiles.write(os.path.join(root, rel), text)


write(".resources/definition.yaml",
      "$kind: collection\nid: 6f1c2a8e-0000-4000-8000-000000000001\nname: Bench API\n"
      "description: A generated collection\nvariables:\n  base: https://api.example.com\n"
      "auth:\n  - id: 3898edeb-37c0-4686-9c4d-88f98cd6f7a7\n    type: bearer\n"
      "    name: bearer auth\n    credentials:\n      token: \"{{token}}\"\n")
for i in range(n):
    folder = "Folder %03d" % (i // 100)
    if i % 100 == 0:
        write(folder + "/.resources/definition.yaml",
              "$kind: collection\ndescription: Requests %d to %d\norder: %d\n" % (i, i + 99, 1000 * (i // 100 + 1)))
    write("%s/Request %05d.request.yaml" % (folder, i),
          "$kind: http-request\nurl: \"{{base}}/items/%d?expand=true\"\nmethod: GET\n"
          "headers:\n  Accept: application/json\n  X-Request-Id: req-%d\n"
          "auth:\n  type: bearer\n  credentials:\n    token: \"{{token}}\"\n"
          "scripts:\n  - type: afterResponse\n    code: pm.test('ok', () => pm.response.to.have.status(200));\n"
          "    language: text/javascript\norder: %d\n" % (i, i, 1000 * (i % 100 + 1)))
