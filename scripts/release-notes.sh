#!/usr/bin/env bash
# Prints the CHANGELOG.md section of one version, the release notes of its tag:
#   scripts/release-notes.sh v1.2.3 [CHANGELOG.md]
# Fails when the changelog has no `## [1.2.3]` section, so a release cannot go out without notes.
set -euo pipefail
version="${1:?usage: scripts/release-notes.sh VERSION [CHANGELOG]}"
version="${version#v}"
changelog="${2:-$(dirname "$0")/../CHANGELOG.md}"

# From the version's heading to the next one; link reference definitions at the bottom are not notes.
notes=$(awk -v heading="## [$version]" '
  /^## / { if (found) exit; found = index($0, heading) == 1; next }
  /^\[[^]]+\]: / { next }
  found { print }
' "$changelog" | sed -e '/[^[:space:]]/,$!d')

if [ -z "$notes" ]; then
  echo "$changelog has no section '## [$version]' (or it is empty): add the release notes there first." >&2
  exit 1
fi
printf '%s\n' "$notes"
