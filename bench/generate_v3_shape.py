"""Writes a v3 collection folder of N folders (argv: folder, N, shape), each folder holding one
request, every folder and request with a stale bearer copy (every file changes): `wide` puts
the folders side by side, `deep` nests each in the one before."""
import os
import sys

from genfiles import write

root, n, shape = sys.argv[1], int(sys.argv[2]), sys.argv[3]


STALE = "auth:\n  type: bearer\n  credentials:\n    token: \"{{token}}\"\n"
write(os.path.join(root, ".resources/definition.yaml"),
      "$kind: collection\nname: Shape API\nauth:\n  type: bearer\n  credentials:\n    token: \"{{token}}\"\n")
at = root
for i in range(n):
    folder = os.path.join(at, "d") if shape == "deep" else os.path.join(root, "F%04d" % i)
    write(os.path.join(folder, ".resources/definition.yaml"),
          "$kind: collection\ndescription: folder %d\norder: %d\n%s" % (i, 1000 + i, STALE))
    write(os.path.join(folder, "R.request.yaml"),
          "$kind: http-request\nurl: \"{{base}}/%d\"\nmethod: GET\n%sorder: 1000\n" % (i, STALE))
    at = folder
