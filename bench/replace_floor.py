"""The floor of replacing every file of a folder safely, with no parsing: read each file, write
its bytes to a new temporary file beside it, then rename each over its file (argv: folder; a
second argument flushes the file system between the two). For bench/shapes."""
import os, sys
root = sys.argv[1]
sync = len(sys.argv) > 2
files = []
for d, _, fs in os.walk(root):
    for f in fs:
        files.append(os.path.join(d, f))
tmps = []
for p in files:
    with open(p, 'rb') as f:
        data = f.read()
    t = os.path.join(os.path.dirname(p), '.' + os.path.basename(p) + '.tmp')
    fd = os.open(t, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    os.write(fd, data)
    os.close(fd)
    tmps.append((t, p))
if sync:
    os.sync()
for t, p in tmps:
    os.rename(t, p)
