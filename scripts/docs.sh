#!/usr/bin/env bash
# Builds MixRL's combined DocC documentation (the MixRL catalog plus the symbols of the
# library modules) into .build-docs/plugins/Swift-DocC/outputs/MixRL.doccarchive and
# counts DocC's warnings.
#
#   bash scripts/docs.sh           build, print the archive's path and the warning counts
#   bash scripts/docs.sh --check   the same, and exit 1 on any DocC warning (the
#                                  catalog's articles or the doc comments in Sources)
#
# Safe to run again: the plugin rebuilds the archive in place. The full log is kept in
# .build-docs/docc.log. View the archive with `xcrun docc preview` on a Mac, or serve it
# from any static web server after `docc process-archive transform-for-static-hosting`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

check=false
case "${1:-}" in
    --check) check=true ;;
    "") ;;
    *) echo "usage: bash scripts/docs.sh [--check]" >&2; exit 2 ;;
esac

scratch=.build-docs
log="$scratch/docc.log"
archive="$scratch/plugins/Swift-DocC/outputs/MixRL.doccarchive"
mkdir -p "$scratch"

start=$SECONDS
status=0
swift package --scratch-path "$scratch" generate-documentation \
    --target MixRL --target MixTensor --target MixGraph --target MixPolicy \
    --target MixEnvs --target MixAgents \
    --enable-experimental-combined-documentation >"$log" 2>&1 || status=$?
elapsed=$((SECONDS - start))

if [ "$status" -ne 0 ]; then
    tail -n 40 "$log" >&2
    echo "docs: generate-documentation failed (exit $status) after ${elapsed}s; full log: $log" >&2
    exit "$status"
fi

# DocC prints each problem as `warning: MESSAGE` followed by `  --> FILE:LINE:COL-...`
# (older DocC: `FILE.md:LINE:COL: warning: MESSAGE` on one line; compiler warnings on
# .swift lines from the build are not DocC's and are not counted); the same warning can come
# once per target or per conforming type, so count distinct (location, message) pairs.
warnings=$(awk '
    pending != "" { loc = ($0 ~ /^ *--> /) ? $0 : "  --> (no location)"
                    sub(/^ *--> /, "", loc); sub(/-[0-9]+:[0-9]+$/, "", loc)
                    print loc ": " pending; pending = "" }
    /^warning: / { pending = substr($0, 10); next }
    /\.md:[0-9]+:[0-9]+: warning: / { print }
    END { if (pending != "") print "(no location): " pending }
' "$log" | sort -u)
total=$(printf '%s' "$warnings" | grep -c . || true)
# Warnings about the catalog's articles name the file relative to the catalog
# (`GettingStarted.md:12:3`), others by their path in the package.
catalogFiles=$(cd Sources/MixRL/MixRL.docc && find . -name '*.md' | sed 's|^\./||' | sed 's/[.]/[.]/g' | paste -sd'|' -)
catalog=$(printf '%s' "$warnings" | grep -E "^((Sources/MixRL/)?MixRL[.]docc/)?($catalogFiles):" || true)
catalogCount=$(printf '%s' "$catalog" | grep -c . || true)
printf '%s\n' "$warnings" | grep . >"$scratch/docc-warnings.txt" || true

echo "docs: built in ${elapsed}s: $PWD/$archive"
echo "docs: $total docc warnings ($catalogCount from Sources/MixRL/MixRL.docc), listed in $scratch/docc-warnings.txt; log: $log"

if $check && [ "$total" -gt 0 ]; then
    printf '%s\n' "$warnings" >&2
    echo "docs: --check failed: DocC warns about the catalog or the doc comments (broken links, undocumented parameters)" >&2
    exit 1
fi
