# mtc — the generated sections of docs/benchmarks.md: each benchmark script owns the text
# between `<!-- NAME:begin -->` and `<!-- NAME:end -->` and rewrites only that.
# SPDX-License-Identifier: Apache-2.0
"""check(path, name) and replace(path, name, text); both exit with `error: TOOL: ...` when the
file cannot be read or written or lacks the two markers."""
import sys


def _markers(name):
  return "<!-- %s:begin -->" % name, "<!-- %s:end -->" % name


def _read(path, name):
  begin, end = _markers(name)
  try:
    with open(path) as f:
      doc = f.read()
  except OSError as e:
    sys.exit("error: %s: cannot read %s: %s" % (name, path, e.strerror))
  if begin not in doc or end not in doc:
    sys.exit("error: %s: %s has no '%s' ... '%s' section" % (name, path, begin, end))
  return doc


def check(path, name):
  """Exits unless `path` is readable and has the section `name` (call before measuring)."""
  _read(path, name)


def replace(path, name, text):
  """Replaces the body of section `name` of `path` with `text`."""
  begin, end = _markers(name)
  pre, rest = _read(path, name).split(begin, 1)
  post = rest.split(end, 1)[1]
  try:
    with open(path, "w") as f:
      f.write(pre + begin + "\n" + text + "\n" + end + post)
  except OSError as e:
    sys.exit("error: %s: cannot write %s: %s" % (name, path, e.strerror))
