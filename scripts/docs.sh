#!/usr/bin/env bash
# Builds MixRL's combined DocC documentation (the MixRL catalog plus the symbols of the
# library modules) into .build-docs/MixRL.doccarchive and counts DocC's warnings, from the
# modules of an existing build: it compiles nothing.
#
#   bash scripts/docs.sh                    build, print the archive's path and the warning counts
#   bash scripts/docs.sh --check            the same, and exit 1 on any DocC warning (the
#                                           catalog's articles or the doc comments in Sources)
#   bash scripts/docs.sh --build-path PATH  read the modules of another build than .build/release
#
# It does by hand what `swift package generate-documentation
# --enable-experimental-combined-documentation` (swift-docc-plugin) does, minus the debug
# build of every module the plugin starts just to read its symbols: the release build
# (`swift build -c release`, or scripts/build.sh) already holds each module's
# .swiftmodule with its doc comments.
#   1. swift-symbolgraph-extract on each module, with the search paths and module maps
#      SwiftPM compiled it with (read from the build description, as
#      Tests/MixRLTests/PublicDocumentationTests.swift does) and the options SwiftPM uses
#      for the plugin: public symbols, synthesized members, extension blocks, no inherited
#      docs;
#   2. `docc convert` per module, dependencies first, each given the archives of the
#      modules it depends on in Package.swift (`--dependency`), so that a link to another
#      module (``/MixAgents/Trainer``) resolves, or warns, as it does in the plugin's
#      combined mode; the MixRL module gets the catalog Sources/MixRL/MixRL.docc;
#   3. `docc merge` of those archives into one, with the plugin's landing page.
# The doc comments are the build's, so build first after editing them; the catalog's
# articles are read from this checkout. The full log is kept in .build-docs/docc.log.
# View the archive with `xcrun docc preview` on a Mac, or serve it from any static web
# server after `docc process-archive transform-for-static-hosting`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

usage="usage: bash scripts/docs.sh [--check] [--build-path PATH]"
check=false
build=.build/release
while [ $# -gt 0 ]; do
    case "$1" in
        --check) check=true; shift ;;
        --build-path) [ $# -ge 2 ] || { echo "$usage" >&2; exit 2; }; build=$2; shift 2 ;;
        --build-path=*) build=${1#--build-path=}; shift ;;
        *) echo "$usage" >&2; exit 2 ;;
    esac
done

# The documented modules, each after the modules it depends on (MixCharts, MixAnalysis and
# MixReports are all `package` API, for the mixrl executable and the tests: they have no
# public page; MixSweeps has `LocalSweep`).
modules=(MixTensor MixGraph MixPolicy MixEnvs MixAgents MixSweeps MixRL)
catalog=Sources/MixRL/MixRL.docc

scratch=.build-docs
log="$scratch/docc.log"
archive="$scratch/MixRL.doccarchive"

# The build: its Modules folder and its description (`<scratch>/<configuration>.yaml`
# next to the folder that `.build/release` links to), which holds each module's compile
# command.
missing() {
    echo "docs: $1" >&2
    echo "docs: the documentation is made from a release build's modules: run \`swift build -c release\` first (or pass --build-path PATH)" >&2
    exit 2
}
[ -d "$build" ] || missing "no build at $build"
binary=$(cd "$build" && pwd -P)
description="$(dirname "$(dirname "$binary")")/$(basename "$binary").yaml"
for module in "${modules[@]}"; do
    [ -e "$binary/Modules/$module.swiftmodule" ] || missing "no $module module in $build/Modules (an incomplete build?)"
done
[ -f "$description" ] || missing "no build description at $description"

start=$SECONDS
mkdir -p "$scratch"
: >"$log"
work="$scratch/work"
rm -rf "$work" "$archive"
mkdir -p "$work/archives"

# Read the build description and the manifest (`swift package dump-package` evaluates
# Package.swift, which SwiftPM caches; it compiles none of the package), and write for
# each module: its extractor flags (one per line), its dependencies among the documented
# modules (the plugin passes only a target's direct dependencies to docc: a link from
# MixAgents to MixTensor must fail here as it fails there), and whether its sources
# changed after the build (its doc comments would then be stale).
echo "== swift package dump-package" >>"$log"
swift package --scratch-path "$scratch" dump-package >"$work/package.json" 2>>"$log" || {
    tail -n 20 "$log" >&2; echo "docs: swift package dump-package failed; log: $log" >&2; exit 1; }
python3 - "$description" "$binary" "$work" "$PWD" "${modules[@]}" <<'PY' || exit 2
import json, os, sys

description, binary, work, root, modules = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]

# Each module's compile command: the line of `args: [...]` (JSON) that names it with
# -module-name; the first one (the module itself, not a test variant).
arguments = {}
with open(description) as lines:
    for line in lines:
        if '"-module-name"' not in line or "args: " not in line:
            continue
        args = json.loads(line.split("args: ", 1)[1])
        name = args[args.index("-module-name") + 1]
        arguments.setdefault(name, args)

targets = {t["name"]: t for t in json.load(open(os.path.join(work, "package.json")))["targets"]}

def dependencies(module):
    """The target's dependencies as Package.swift declares them (products by name)."""
    names = []
    for dependency in targets[module]["dependencies"]:
        for kind in ("byName", "target", "product"):
            if kind in dependency:
                names.append(dependency[kind][0])
    return names

for position, module in enumerate(modules):
    args = arguments.get(module)
    if args is None or module not in targets:
        sys.exit(f"docs: {module} is not in the build description {description} or in Package.swift")
    # What the extractor needs to load the module and its C dependencies (COpenBLAS's
    # module map and include path, RealModule's shims): search paths, -Xcc flags, the
    # target triple, the SDK; not the code generation flags.
    flags = ["-I", os.path.join(binary, "Modules")]
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("-target", "-I", "-F", "-Xcc", "-sdk", "-resource-dir") and i + 1 < len(args):
            flags += [a, args[i + 1]]
            i += 2
            continue
        if (a.startswith("-I") or a.startswith("-F")) and len(a) > 2:
            flags.append(a)
        i += 1
    with open(os.path.join(work, f"{module}.flags"), "w") as out:
        out.write("\n".join(flags) + "\n")

    deps = [d for d in dependencies(module) if d in modules]
    for d in deps:
        if modules.index(d) > position:
            sys.exit(f"docs: {module} depends on {d}: list {d} before it in scripts/docs.sh")
    with open(os.path.join(work, f"{module}.deps"), "w") as out:
        out.write("".join(d + "\n" for d in deps))

    # Stale doc comments: a source of the module newer than everything its last compile
    # wrote (its .swiftmodule, .swiftdoc, .swiftsourceinfo, objects): the build has not
    # run since that edit.
    outputs = [os.path.join(binary, "Modules", f"{module}.{ext}") for ext in ("swiftmodule", "swiftdoc", "swiftsourceinfo")]
    objects = os.path.join(binary, f"{module}.build")
    if os.path.isdir(objects):
        outputs += [os.path.join(objects, f) for f in os.listdir(objects)]
    built = max(os.path.getmtime(f) for f in outputs if os.path.isfile(f))
    sources = [a[1:] for a in args if a.startswith("@") and a.endswith("/sources")]
    files = [f.strip() for s in sources for f in open(s) if f.strip()]
    newer = [f for f in files if os.path.exists(f) and os.path.getmtime(f) > built]
    if newer:
        print(f"{module}: {len(newer)} source(s) changed after the build, e.g. {newer[0].removeprefix(root + '/')}",
              file=open(os.path.join(work, "stale"), "a"))
    if files and os.path.commonpath([files[0], root]) != root:
        with open(os.path.join(work, "elsewhere"), "w") as out:
            out.write(files[0].split("/Sources/")[0] + "\n")

# The toolchain that made the build (next to its swiftc).
print(os.path.dirname(arguments[modules[0]][0]), file=open(os.path.join(work, "toolchain"), "w"))
PY

if [ -s "$work/stale" ]; then
    echo "docs: the build at $build is older than its sources; its doc comments may not be the current ones:" >&2
    sed 's/^/  /' "$work/stale" >&2
    if $check; then
        echo "docs: --check needs a current build: run \`swift build -c release\` first" >&2
        exit 2
    fi
fi
if [ -s "$work/elsewhere" ]; then
    echo "docs: note: $build was built from $(cat "$work/elsewhere"); the doc comments are that checkout's, the articles this one's" >&2
fi

# The toolchain's tools: $SWIFT_SYMBOLGRAPH_EXTRACT / $DOCC_EXEC (the variable the plugin
# reads), else next to the build's swiftc, else on PATH.
toolchain=$(cat "$work/toolchain")
tool() {
    local override=$1 name=$2
    if [ -n "$override" ]; then echo "$override"
    elif [ -x "$toolchain/$name" ]; then echo "$toolchain/$name"
    else command -v "$name" || { echo "docs: $name not found (next to $toolchain/swiftc or on PATH)" >&2; exit 2; }
    fi
}
extract=$(tool "${SWIFT_SYMBOLGRAPH_EXTRACT:-}" swift-symbolgraph-extract)
docc=$(tool "${DOCC_EXEC:-}" docc)

# 1. Symbol graphs. Most of an extraction is building the clang modules of the C
# dependencies into the module cache (kept in .build-docs between runs), so the first
# module runs alone to fill it and the others then run side by side.
run_extract() {
    local module=$1 flags
    mapfile -t flags <"$work/$module.flags"
    mkdir -p "$work/symbols/$module"
    "$extract" -module-name "$module" -minimum-access-level public \
        -skip-inherited-docs -emit-extension-block-symbols \
        -module-cache-path "$PWD/$scratch/ModuleCache" \
        -output-dir "$work/symbols/$module" "${flags[@]}" >"$work/$module.extract.log" 2>&1
}
failed=()
run_extract "${modules[0]}" || failed+=("${modules[0]}")
pids=()
for module in "${modules[@]:1}"; do
    run_extract "$module" &
    pids+=("$!")
done
for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || failed+=("${modules[$((i + 1))]}")
done
for module in "${failed[@]}"; do
    echo "docs: swift-symbolgraph-extract failed for $module:" >&2
    cat "$work/$module.extract.log" >&2
done
echo "== symbol graphs extracted at $((SECONDS - start))s" >>"$log"
for module in "${modules[@]}"; do
    { echo "== swift-symbolgraph-extract $module"; cat "$work/$module.extract.log"; } >>"$log"
done
[ "${#failed[@]}" -eq 0 ] || exit 1

# 2. One archive per module, with the arguments the plugin passes in combined mode.
for module in "${modules[@]}"; do
    mapfile -t deps <"$work/$module.deps"
    inputs=()
    [ "$module" != MixRL ] || inputs+=("$catalog")
    for dep in "${deps[@]}"; do inputs+=(--dependency "$work/archives/$dep.doccarchive"); done
    echo "== docc convert $module${deps[*]:+ (dependencies: ${deps[*]})} at $((SECONDS - start))s" >>"$log"
    "$docc" convert "${inputs[@]}" --emit-lmdb-index \
        --fallback-display-name "$module" --fallback-bundle-identifier "$module" \
        --additional-symbol-graph-dir "$work/symbols/$module" \
        --output-path "$work/archives/$module.doccarchive" \
        --enable-experimental-external-link-support >>"$log" 2>&1 || {
        status=$?; tail -n 40 "$log" >&2
        echo "docs: docc convert failed for $module (exit $status); full log: $log" >&2; exit "$status"; }
done

# 3. The combined archive, with the plugin's synthesized landing page (the package's name,
# kind "Package").
echo "== docc merge at $((SECONDS - start))s" >>"$log"
archives=()
for module in "${modules[@]}"; do archives+=("$work/archives/$module.doccarchive"); done
"$docc" merge "${archives[@]}" --output-path "$archive" \
    --synthesized-landing-page-name MixRL --synthesized-landing-page-kind Package >>"$log" 2>&1 || {
    status=$?; tail -n 40 "$log" >&2
    echo "docs: docc merge failed (exit $status); full log: $log" >&2; exit "$status"; }
elapsed=$((SECONDS - start))
echo "== done at ${elapsed}s" >>"$log"

# DocC prints each problem as `warning: MESSAGE` followed by `  --> FILE:LINE:COL-...`
# (older DocC: `FILE.md:LINE:COL: warning: MESSAGE` on one line); the same warning can
# come once per module or per conforming type, so count distinct (location, message)
# pairs. Only docc's sections of the log count (SwiftPM's or the extractor's own
# warnings are not DocC's). Locations are shown relative to this checkout: DocC names the catalog's articles
# relative to the catalog (`GettingStarted.md:9:80`), other files under the current folder
# relative to it (`Sources/MixEnvs/Core/Environment.swift:32:57`), the rest in full.
warnings=$(awk -v root="$PWD/" -v catalog="$catalog/" '
    function short(s,    file) {
        if (index(s, root) == 1) return substr(s, length(root) + 1)
        file = s; sub(/:[0-9]+:[0-9]+$/, "", file)
        if (s !~ /^[\/(]/ && (getline line < (catalog file)) >= 0) { close(catalog file); return catalog s }
        return s
    }
    pending != "" { loc = ($0 ~ /^ *--> /) ? $0 : "  --> (no location)"
                    sub(/^ *--> /, "", loc); sub(/-[0-9]+:[0-9]+$/, "", loc)
                    print short(loc) ": " pending; pending = "" }
    /^== / { indocc = ($0 ~ /^== docc /); next }
    !indocc { next }
    /^warning: / { pending = substr($0, 10); next }
    /\.md:[0-9]+:[0-9]+: warning: / { print short($0) }
    END { if (pending != "") print "(no location): " pending }
' "$log" | sort -u)
total=$(printf '%s' "$warnings" | grep -c . || true)
catalogWarnings=$(printf '%s' "$warnings" | grep -F "$catalog/" || true)
catalogCount=$(printf '%s' "$catalogWarnings" | grep -c . || true)
printf '%s\n' "$warnings" | grep . >"$scratch/docc-warnings.txt" || true

echo "docs: built in ${elapsed}s: $PWD/$archive"
echo "docs: $total docc warnings ($catalogCount from $catalog), listed in $scratch/docc-warnings.txt; log: $log"

if $check && [ "$total" -gt 0 ]; then
    printf '%s\n' "$warnings" >&2
    echo "docs: --check failed: DocC warns about the catalog or the doc comments (broken links, undocumented parameters)" >&2
    exit 1
fi
