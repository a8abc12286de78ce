#!/usr/bin/env bash
# The large-footprint memory diagnostic on a lent GPU (issue 11 item 3), in one
# run of at most about 6 minutes. Run from the repository root on the device
# machine:
#
#   bash benches/device/h200_diag.sh
#
# Expects (carried; see benches/device/README.md):
#   .devbin/cardiotwin   release build of this commit
#   .gl/*.deb            Vulkan/GL loader debs, unpacked into /
#   .gl/tools/*.deb      vulkan-tools and its X/Wayland libraries, unpacked
#                        into /tmp/vt only (they could break / otherwise)
# Writes under $OUT (6 files): system.txt, vulkaninfo.txt, bench_memory.json,
# cuda_chase.json, bench_step.json, log.txt.
set -u
OUT=${OUT:-out/h200_diag}
mkdir -p "$OUT"
LOG="$OUT/log.txt"
BIN=.devbin/cardiotwin
DEADLINE=$((SECONDS + 350))
# Overridable for a local dry run on lavapipe (MAX_MIB=128 SIZES=10000).
MAX_MIB=${MAX_MIB:-2048}
SIZES=${SIZES:-10000,100000,1000000,4000000}

log() { echo "[$(date -u +%H:%M:%S) +${SECONDS}s] $*" | tee -a "$LOG" >&2; }

# step NAME SECONDS OUTFILE CMD...: run CMD under timeout (never past the
# deadline), stdout to OUTFILE, stderr to the log; log the exit status.
step() {
    local name=$1 limit=$2 outfile=$3
    shift 3
    local left=$((DEADLINE - SECONDS))
    if ((left < 5)); then
        log "$name: skipped, the script's 6-minute budget is spent"
        return
    fi
    ((limit > left)) && limit=$left
    log "$name: start (timeout ${limit}s)"
    local t0=$SECONDS
    timeout -k 5 "$limit" "$@" >"$outfile" 2>>"$LOG"
    local rc=$?
    log "$name: exit $rc after $((SECONDS - t0))s$( ((rc == 124)) && echo ' (TIMED OUT)')"
}

log "h200_diag on $(hostname), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')"

# Loaders into / (as the device README prescribes), tools into /tmp/vt.
if ls .gl/*.deb >/dev/null 2>&1; then
    for f in .gl/*.deb; do dpkg -x "$f" /; done
    ldconfig
    log "unpacked $(ls .gl/*.deb | wc -l) loader debs into /"
else
    log "no .gl/*.deb: relying on the machine's own Vulkan loader"
fi
VULKANINFO=$(command -v vulkaninfo || true)
if ls .gl/tools/*.deb >/dev/null 2>&1; then
    mkdir -p /tmp/vt
    for f in .gl/tools/*.deb; do dpkg -x "$f" /tmp/vt; done
    VULKANINFO=/tmp/vt/usr/bin/vulkaninfo
    export LD_LIBRARY_PATH=/tmp/vt/usr/lib/x86_64-linux-gnu${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
fi

# NVIDIA's ICD lives under /usr/local/nvidia on these machines; point the
# loader at it when no ICD file in the usual places names NVIDIA.
if ! ls /usr/share/vulkan/icd.d/*nvidia* /etc/vulkan/icd.d/*nvidia* \
    /usr/local/share/vulkan/icd.d/*nvidia* >/dev/null 2>&1; then
    ICD=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
    if [ -f "$ICD" ]; then
        export VK_DRIVER_FILES=$ICD
        export __EGL_VENDOR_LIBRARY_FILENAMES=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
        log "VK_DRIVER_FILES=$ICD"
    else
        log "no NVIDIA Vulkan ICD file found; wgpu may fall back to another adapter"
    fi
fi

{
    echo "== uname"; uname -a
    echo "== ldconfig libvulkan"; ldconfig -p | grep -i libvulkan
    echo "== VK_DRIVER_FILES=${VK_DRIVER_FILES:-}"
} >"$OUT/system.txt" 2>&1
step nvidia-smi 20 "$OUT/nvidia_smi.tmp" nvidia-smi -q
cat "$OUT/nvidia_smi.tmp" >>"$OUT/system.txt" && rm -f "$OUT/nvidia_smi.tmp"

if [ -n "$VULKANINFO" ] && [ -x "$VULKANINFO" ]; then
    step vulkaninfo-summary 20 "$OUT/vulkaninfo.txt" "$VULKANINFO" --summary
    # The summary lists no heaps; the full dump's memory section does.
    step vulkaninfo-full 20 "$OUT/vulkaninfo_full.tmp" "$VULKANINFO"
    {
        echo
        echo "== VkPhysicalDeviceMemoryProperties (from the full dump)"
        sed -n '/VkPhysicalDeviceMemoryProperties/,/^VkPhysicalDeviceFeatures/p' \
            "$OUT/vulkaninfo_full.tmp" | head -200
    } >>"$OUT/vulkaninfo.txt"
    rm -f "$OUT/vulkaninfo_full.tmp"
else
    log "no vulkaninfo (bring vulkan-tools in .gl/tools/); bench_memory.json still lists heaps and types"
fi

if [ -x "$BIN" ]; then
    step bench-memory 150 "$OUT/bench_memory.json" "$BIN" bench memory --json --max-mib "$MAX_MIB"
else
    log "no $BIN: build it with 'cargo build --release' and carry .devbin"
fi

step cuda-chase 60 "$OUT/cuda_chase.json" env PYTHONUNBUFFERED=1 \
    python3 benches/device/cuda_chase.py --max-mib "$MAX_MIB"

if [ -x "$BIN" ]; then
    step bench-step 110 "$OUT/bench_step.json" "$BIN" bench --json --backends gpu \
        --sizes "$SIZES" --seconds 1
fi

log "done in ${SECONDS}s; files: $(ls "$OUT" | tr '\n' ' ')"
