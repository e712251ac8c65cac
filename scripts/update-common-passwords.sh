#!/usr/bin/env bash
# Regenerates shared/data/common-passwords.txt from the password frequency list of
# the npm package @zxcvbn-ts/language-common (MIT; derived from Dropbox's zxcvbn).
# Only entries of at least 8 characters are kept, because shorter passwords are
# rejected by the length rule anyway. Needs npm and python3.
set -euo pipefail
version=${1:-4.1.3}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

(cd "$work" && npm pack --silent "@zxcvbn-ts/language-common@$version" >/dev/null && tar xzf ./*.tgz)
python3 - "$work/package/src/passwords.json" "$root/shared/data/common-passwords.txt" "$version" <<'PY'
import json, sys, unicodedata
source, target, version = sys.argv[1:]
seen, kept = set(), []
for entry in json.load(open(source, encoding="utf-8")):
    word = unicodedata.normalize("NFC", entry).lower()
    if len(word) >= 8 and word not in seen:
        seen.add(word)
        kept.append(word)
with open(target, "w", encoding="utf-8") as out:
    out.write(f"# Common passwords of at least 8 characters, lower-cased, most common first.\n")
    out.write(f"# Source: npm @zxcvbn-ts/language-common {version}, src/passwords.json (MIT licence,\n")
    out.write("# Copyright (c) 2012-2016 Dan Wheeler and Dropbox, Inc.; (c) 2021 @zxcvbn-ts).\n")
    out.write("# Regenerate with scripts/update-common-passwords.sh.\n")
    out.write("\n".join(kept) + "\n")
print(f"wrote {len(kept)} passwords to {target}")
PY
