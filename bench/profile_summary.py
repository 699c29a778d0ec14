#!/usr/bin/env python3
"""Summarize a Chrome trace of LibTorch's profiler (bench/profile.hpp): per
operator, its calls and its self time (its time minus that of the operators
it called), largest first, with each one's share of the traced time.
  bench/profile_summary.py TRACE [TOP]
"""
import collections
import json
import sys


def main():
    trace = json.load(open(sys.argv[1]))
    top = int(sys.argv[2]) if len(sys.argv) > 2 else 25
    events = trace["traceEvents"] if isinstance(trace, dict) else trace
    spans = collections.defaultdict(list)
    for e in events:
        if e.get("ph") == "X":
            spans[e.get("tid", 0)].append((float(e["ts"]), float(e["dur"]), e["name"]))
    self_time = collections.Counter()
    calls = collections.Counter()
    traced = 0.0
    for items in spans.values():
        items.sort(key=lambda s: (s[0], -s[1]))
        stack = []  # [end, name, child time]
        def close(until):
            while stack and stack[-1][0] <= until:
                end, name, child, dur = stack.pop()
                self_time[name] += dur - child
                if stack:
                    stack[-1][2] += dur
        for ts, dur, name in items:
            close(ts)
            if not stack:
                traced += dur
            stack.append([ts + dur, name, 0.0, dur])
            calls[name] += 1
        close(float("inf"))
    print(f"{traced / 1e3:.1f} ms traced in top-level operators")
    print(f"{'operator':<42} {'calls':>8} {'self ms':>10} {'share':>7}")
    for name, t in self_time.most_common(top):
        print(f"{name[:42]:<42} {calls[name]:>8} {t / 1e3:>10.1f} {100 * t / traced:>6.1f}%")


if __name__ == "__main__":
    main()
