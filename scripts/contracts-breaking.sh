#!/usr/bin/env bash
# make contracts-breaking: fail when the contracts in the working tree break a client of the
# ones at a base commit, as oasdiff judges it (what counts, and how to accept a break:
# contracts/README.md). Checks the git repository of the current directory.
#   scripts/contracts-breaking.sh [BASE]   BASE: a git revision; default $CONTRACTS_BASE, else
#                                          the last landed commit, named in .ci/landed
set -euo pipefail
scripts="$(cd "$(dirname "$0")" && pwd)"
cd "$(git rev-parse --show-toplevel)"

say() { echo "contracts-breaking: $*"; }
die() { echo "contracts-breaking: error: $*" >&2; exit 2; }

oasdiff="$("$scripts/build-oasdiff.sh")"
accepted="$PWD/contracts/accepted-breaking.txt"
[[ -f $accepted ]] || die "$accepted is missing"

base="${1:-${CONTRACTS_BASE:-}}"
if [[ -z $base ]]; then
    [[ -f .ci/landed ]] || die "no BASE given and no .ci/landed naming the last landed commit"
    base="$(awk '!/^[[:space:]]*(#|$)/ {print $1; exit}' .ci/landed)"
    [[ -n $base ]] || die ".ci/landed names no commit"
    git rev-parse --verify --quiet "$base^{commit}" >/dev/null ||
        die ".ci/landed names $base, which is not in this clone (fetch the whole history, or give BASE=<rev>)"
    git merge-base --is-ancestor "$base" HEAD ||
        die ".ci/landed names $base, which is not an ancestor of HEAD (was main rewritten? give BASE=<rev>)"
    label="the last landed commit $(git rev-parse --short "$base")"
else
    git rev-parse --verify --quiet "$base^{commit}" >/dev/null || die "no commit '$base' to compare with"
    label="$base"
fi
say "comparing the working tree with $(git log -1 --format='%h (%s' "$base" | cut -c1-60)...)"

# oasdiff's defaults, with the project's own rules on top (contracts/README.md):
# - renaming or dropping an operationId breaks the generated clients named after it;
# - request validation made stricter (new or tighter bounds, a new pattern) is a warning to
#   judge, not a failure: it is how a service hardens its input.
levels="$(mktemp -d "${TMPDIR:-/tmp}/contracts-breaking.XXXXXX")"
trap 'rm -rf "$levels"' EXIT
{
    echo "api-operation-id-removed err"
    "$oasdiff" checks changelog --tags request --tags constraints --severity error | awk 'NR > 1 && NF {print $1, "warn"}'
} >"$levels/openapi.txt"
# The hours service refuses an introspection answer with a field its schema does not list
# (additionalProperties: false), so a new field breaks the consumer until it knows it.
{ cat "$levels/openapi.txt"; echo "response-optional-property-added err"; } >"$levels/introspection.txt"

breaking() {  # breaking LEVELS BASE_SPEC SPEC
    "$oasdiff" breaking --fail-on ERR --format singleline --color never --allow-external-refs=false \
        --severity-levels "$1" --err-ignore "$accepted" --warn-ignore "$accepted" "$2" "$3"
}

# The introspection answer is a JSON Schema, not an API description: oasdiff judges it as
# the 200 answer of a one-operation document.
as_openapi() {
    jq '{openapi: "3.1.0", info: {title: "introspection", version: "1"}, paths: {"/internal/v1/introspect":
        {post: {operationId: "introspect", responses: {"200": {description: "the answer",
        content: {"application/json": {schema: .}}}}}}}}'
}

failed=0
names="$( (git ls-tree --name-only "$base" contracts/ | sed 's|^contracts/||'; ls contracts) |
    grep -E '\.(openapi|schema)\.json$' | sort -u)"
for name in $names; do
    if [[ ! -f contracts/$name ]]; then
        say "BREAKING: contracts/$name was removed"
        failed=1
        continue
    fi
    if ! git cat-file -e "$base:contracts/$name" 2>/dev/null; then
        say "contracts/$name is new since $label"
        continue
    fi
    say "contracts/$name"
    if [[ $name == *.openapi.json ]]; then
        breaking "$levels/openapi.txt" "$base:contracts/$name" "contracts/$name" || failed=1
    else
        mkdir -p "$levels/base"
        git show "$base:contracts/$name" | as_openapi >"$levels/base/$name"
        as_openapi <"contracts/$name" >"$levels/$name"
        (cd "$levels" && breaking introspection.txt "base/$name" "$name") || failed=1
    fi
done

if ((failed)); then
    cat >&2 <<EOF
contracts-breaking: breaking changes since $label. Keep the old shape (or add a new version of
the operation); or, when every client changes with it, copy each "METHOD /path ..." text above
into contracts/accepted-breaking.txt after a "#" line that says why.
EOF
    exit 1
fi
say "no breaking change since $label"
