#!/usr/bin/env bash
# Fuzz Skein's parsers with libFuzzer (from the Swift toolchain) and address sanitizer.
#   scripts/fuzz.sh TARGET [SECONDS]     one target (default 60 s)
#   scripts/fuzz.sh all [SECONDS]        every target, SECONDS each
# Targets: yaml json expr depends selectors cron watch kubeconfig duration (FuzzTargets.swift).
# SKEIN_FUZZ_TIMEOUT (default 10 s) is how long one input may take before it counts as a hang;
# raise it when the machine is busy (a starved run reports false hangs).
# Corpora grow under .fuzz/corpus/TARGET (seeded from examples/ and Tests/FuzzRegressions/);
# a crash or hang is written to Tests/FuzzRegressions/TARGET/, where FuzzRegressionTests
# replays it on every test run: commit it with the fix.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${1:?usage: scripts/fuzz.sh TARGET|all [SECONDS]}"
seconds="${2:-60}"
# lld: gold fails on the sanitizer runtime's debug information.
swift build --product skein-fuzz --scratch-path .build-fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -DSKEIN_FUZZ \
    -Xswiftc -Xclang-linker -Xswiftc -fuse-ld=lld >&2
bin=".build-fuzz/debug/skein-fuzz"
targets="$target"
if [ "$target" = all ]; then targets="yaml json expr depends selectors cron watch kubeconfig duration"; fi
for t in $targets; do
    corpus=".fuzz/corpus/$t"
    crashes="Tests/FuzzRegressions/$t"
    mkdir -p "$corpus" "$crashes"
    cp -n Tests/FuzzRegressions/"$t"/* "$corpus"/ 2>/dev/null || true
    if [ "$t" = yaml ]; then cp -n examples/*.yaml "$corpus"/ 2>/dev/null || true; fi
    echo "== $t for $seconds s" >&2
    SKEIN_FUZZ_TARGET="$t" "$bin" "$corpus" -max_total_time="$seconds" -timeout="${SKEIN_FUZZ_TIMEOUT:-10}" -rss_limit_mb=2048 \
        -max_len=65536 -artifact_prefix="$crashes/" -print_final_stats=1 2>&1 | tail -n 12 >&2 || {
        echo "$t: a crash or hang was kept in $crashes/ (replayed by FuzzRegressionTests)" >&2
    }
done
