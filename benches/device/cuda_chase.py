#!/usr/bin/env python3
"""CUDA twin of `cardiotwin bench memory`: copy bandwidth and a 64 KiB-stride
pointer chase on the same GPU, timed with CUDA events. Prints one JSON document.

The chase is a one-thread CUDA kernel (i = chain[i], dependent loads) built at
run time with CuPy's RawKernel (NVRTC) when CuPy imports; otherwise a loop of
one-element torch gathers, one kernel launch per hop, whose launch overhead is
measured on a one-node chain and reported (`method` says which ran).

Usage: python3 benches/device/cuda_chase.py [--max-mib 2048] [--hops 65536]
"""

import argparse
import json
import sys
import time

import torch

MIB = 1 << 20
STRIDE = 64 * 1024  # bytes between chained words: one hop per 64 KiB page

CHASE_SRC = r"""
extern "C" __global__ void chase(const unsigned int* chain, unsigned int start,
                                 unsigned int hops, unsigned int* out) {
    unsigned int i = start;
    for (unsigned int h = 0; h < hops; ++h) {
        i = chain[i];
    }
    out[0] = i;
}
"""


def powers_of_two(lo, hi):
    out = []
    s = lo
    while s <= hi:
        out.append(s)
        s *= 2
    return out


def time_cuda(fn, min_seconds):
    """Seconds per call of fn (CUDA events), doubling the calls until the
    timed run lasts min_seconds; returns (calls, seconds)."""
    fn()  # warm-up
    torch.cuda.synchronize()
    calls = 1
    while True:
        start = torch.cuda.Event(enable_timing=True)
        end = torch.cuda.Event(enable_timing=True)
        start.record()
        for _ in range(calls):
            fn()
        end.record()
        end.synchronize()
        secs = start.elapsed_time(end) / 1e3
        if secs >= min_seconds or calls >= 1 << 14:
            return calls, secs
        calls *= 2


def copy_sweep(footprints, min_seconds):
    rows = []
    for fp in footprints:
        n = fp // 2 // 4
        a = torch.arange(n, dtype=torch.int32, device="cuda")
        b = torch.empty_like(a)
        calls, secs = time_cuda(lambda: b.copy_(a), min_seconds)
        ok = bool(torch.equal(a[:: max(1, n // 4096)], b[:: max(1, n // 4096)]))
        rows.append(
            {
                "footprint_mib": fp // MIB,
                "calls": calls,
                "seconds": secs,
                "bytes_per_s": fp * calls / secs,  # read + write
                "verified": ok,
            }
        )
        del a, b
        torch.cuda.empty_cache()
    return rows


def stride_chain(fp, dtype):
    words = fp // torch.tensor([], dtype=dtype).element_size()
    stride_words = STRIDE // torch.tensor([], dtype=dtype).element_size()
    nodes = fp // STRIDE
    chain = torch.zeros(words, dtype=dtype, device="cuda")
    k = torch.arange(nodes, dtype=torch.int64, device="cuda")
    chain[k * stride_words] = (((k + 1) % nodes) * stride_words).to(dtype)
    return chain, nodes, stride_words


def chase_cupy(footprints, hops, min_seconds):
    import cupy as cp

    kernel = cp.RawKernel(CHASE_SRC, "chase")
    rows = []
    for fp in footprints:
        chain_t, nodes, sw = stride_chain(fp, torch.int32)
        chain = cp.from_dlpack(chain_t)  # shares the torch allocation
        out = cp.zeros(1, dtype=cp.uint32)
        stream = cp.cuda.ExternalStream(torch.cuda.current_stream().cuda_stream)

        def run():
            with stream:
                kernel((1,), (1,), (chain, cp.uint32(0), cp.uint32(hops), out))

        calls, secs = time_cuda(run, min_seconds)
        torch.cuda.synchronize()
        got = int(out.get()[0])
        want = (hops % nodes) * sw
        rows.append(
            {
                "footprint_mib": fp / MIB,
                "nodes": nodes,
                "hops": hops,
                "calls": calls,
                "seconds": secs,
                "ns_per_load": secs / (calls * hops) * 1e9,
                "final_index_ok": got == want,
            }
        )
        del chain, chain_t, out
        torch.cuda.empty_cache()
    return rows


def chase_torch(footprints, hops, min_seconds):
    """Dependent one-element gathers: each hop is a kernel launch, so the
    figure is launch overhead + latency; the overhead row (a one-node chain,
    always cached) is what to subtract."""
    hops = min(hops, 4096)

    def walk(chain, nodes, sw):
        i = torch.zeros(1, dtype=torch.int64, device="cuda")

        def run():
            j = i
            for _ in range(hops):
                j = chain.index_select(0, j)
            run.last = j

        calls, secs = time_cuda(run, min_seconds)
        return calls, secs, int(run.last.item())

    rows = []
    one = torch.zeros(1, dtype=torch.int64, device="cuda")
    calls, secs, _ = walk(one, 1, 0)
    overhead_ns = secs / (calls * hops) * 1e9
    for fp in footprints:
        chain, nodes, sw = stride_chain(fp, torch.int64)
        calls, secs, got = walk(chain, nodes, sw)
        ns = secs / (calls * hops) * 1e9
        rows.append(
            {
                "footprint_mib": fp / MIB,
                "nodes": nodes,
                "hops": hops,
                "calls": calls,
                "seconds": secs,
                "ns_per_load_raw": ns,
                "ns_per_load": ns - overhead_ns,
                "final_index_ok": got == (hops % nodes) * sw,
            }
        )
        del chain
        torch.cuda.empty_cache()
    return rows, overhead_ns


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--max-mib", type=int, default=2048)
    ap.add_argument("--hops", type=int, default=1 << 16)
    ap.add_argument("--seconds", type=float, default=0.1)
    args = ap.parse_args()
    if not torch.cuda.is_available():
        print(json.dumps({"error": "torch sees no CUDA device"}))
        return 1
    t0 = time.time()
    max_bytes = args.max_mib * MIB
    report = {
        "device": torch.cuda.get_device_name(0),
        "torch": torch.__version__,
        "copy": copy_sweep(powers_of_two(64 * MIB, max_bytes), args.seconds),
    }
    chase_fps = powers_of_two(MIB, max_bytes)
    try:
        report["chase"] = chase_cupy(chase_fps, args.hops, args.seconds)
        report["chase_method"] = "cupy RawKernel, one thread, dependent loads"
    except Exception as e:  # CuPy missing or NVRTC unusable: torch fallback
        report["cupy_error"] = repr(e)
        rows, overhead = chase_torch(chase_fps, args.hops, args.seconds)
        report["chase"] = rows
        report["chase_method"] = "torch index_select per hop (one launch per hop)"
        report["launch_overhead_ns_per_hop"] = overhead
    report["seconds"] = time.time() - t0
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
