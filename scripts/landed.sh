#!/usr/bin/env bash
# make landed: record HEAD as the last landed commit (.ci/landed) and commit that file.
# Run it on main once CI has passed there (.ci/README.md). It moves the pointer only after
# `make contracts-breaking` passes against the old one, so every change between the two is
# judged as a whole before it stops being compared. Works on the git repository of the
# current directory.
set -euo pipefail
scripts="$(cd "$(dirname "$0")" && pwd)"
cd "$(git rev-parse --show-toplevel)"

die() { echo "landed: error: $*" >&2; exit 1; }

branch="$(git symbolic-ref --quiet --short HEAD || true)"
[[ $branch == main ]] || die "run it on main (HEAD is ${branch:-detached}): only main's commits land"
[[ -z "$(git status --porcelain --untracked-files=no)" ]] ||
    die "the working tree has uncommitted changes; the check must judge HEAD itself"

head="$(git rev-parse HEAD)"
old="$(awk '!/^[[:space:]]*(#|$)/ {print $1; exit}' .ci/landed)"
if git diff --quiet "$old" HEAD -- . ':(exclude).ci/landed'; then
    echo "landed: nothing changed since $old, which .ci/landed names"
    exit 0
fi

"$scripts/contracts-breaking.sh" "$old" || die "the contracts break since $old; .ci/landed stays"

awk -v head="$head" '/^[[:space:]]*(#|$)/ {print; next} !done {print head; done = 1}' .ci/landed >.ci/landed.tmp
mv .ci/landed.tmp .ci/landed
git commit -q -F - -- .ci/landed <<EOF
Record the last landed commit

CI passed on main at $head; make contracts-breaking now judges the
contracts against it (it judged everything since ${old:0:12} first).
EOF
echo "landed: .ci/landed names $head"
