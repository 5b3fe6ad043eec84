#!/usr/bin/env python3
"""Summarizes loadtest/results/fanout/*.json (median, min, max over runs) as a Markdown table and
draws one latency-distribution chart (PNG) per scenario into docs/benchmarks/.
Usage: python3 loadtest/fanout/report.py [results dir] [chart dir]"""
import glob, json, os, statistics, sys
from collections import defaultdict

res = sys.argv[1] if len(sys.argv) > 1 else 'loadtest/results/fanout'
charts = sys.argv[2] if len(sys.argv) > 2 else 'docs/benchmarks'
runs = defaultdict(list)
for f in sorted(glob.glob(os.path.join(res, '*.json'))):
    d = json.load(open(f))
    runs[d['summary']['label'] or os.path.basename(f).rsplit('-', 1)[0]].append(d)

def g(s, path):
    v = s
    for k in path.split('.'):
        v = v.get(k) if isinstance(v, dict) else None
        if v is None:
            return None
    return v

def fmt(vals, nd=1):
    vals = [v for v in vals if isinstance(v, (int, float))]
    if not vals:
        return '—'
    m = statistics.median(vals)
    if len(vals) == 1:
        return f'{m:.{nd}f}'
    return f'{m:.{nd}f} ({min(vals):.{nd}f}–{max(vals):.{nd}f})'

cols = [
    ('runs', None, 0),
    ('connected', 'connected', 0),
    ('connect all N, s', 'connect_all_s', 2),
    ('lost/dup/ooo/prev', None, 0),
    ('delivered', 'delivered_in_window', 0),
    ('server CPU µs/delivered', 'server_cpu_us_per_delivered', 2),
    ('server CPU ms/s', 'server_cpu_ms_per_s', 0),
    ('RSS B/conn', 'rss_bytes_per_conn', 0),
    ('idle CPU ms/s', 'idle_cpu_ms_per_s', 1),
    ('resp→screen p50/p99/max ms', None, 1),
    ('at→screen p50/p99 ms', None, 1),
    ('raw t→screen p50/p99/max ms', None, 1),
    ('REST p50/p95 ms', None, 1),
    ('storm: resumed all, ms', 'storm_all_resumed_ms', 0),
    ('storm replayed events', 'storm_replayed_events', 0),
]
print('| scenario | ' + ' | '.join(c[0] for c in cols) + ' |')
print('|---' * (len(cols) + 1) + '|')
for name, rs in runs.items():
    S = [r['summary'] for r in rs]
    cells = []
    for title, key, nd in cols:
        if title == 'runs':
            cells.append(str(len(S)))
        elif title.startswith('lost'):
            cells.append(' · '.join(str(sum(s[k] for s in S)) for k in ('lost', 'duplicated', 'out_of_order', 'prev_breaks')))
        elif title.startswith('resp'):
            cells.append(' / '.join(fmt([g(s, f'latency_resp_ms.{p}') for s in S], 1) for p in ('p50', 'p99', 'max')))
        elif title.startswith('at→'):
            cells.append(' / '.join(fmt([g(s, f'latency_at_ms.{p}') for s in S], 1) for p in ('p50', 'p99')))
        elif title.startswith('raw'):
            cells.append(' / '.join(fmt([g(s, f'latency_raw_ms.{p}') for s in S], 1) for p in ('p50', 'p99', 'max')))
        elif title.startswith('REST'):
            cells.append(' / '.join(fmt([g(s, f'rest_ms.{p}') for s in S], 1) for p in ('p50', 'p95')))
        else:
            cells.append(fmt([g(s, key) for s in S], nd))
    print(f'| {name} | ' + ' | '.join(cells) + ' |')

try:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
except ImportError:
    sys.exit(0)
os.makedirs(charts, exist_ok=True)
for name, rs in runs.items():
    fig, ax = plt.subplots(figsize=(7, 4))
    drew = False
    for i, r in enumerate(rs):
        for key, lab in (('latency_resp_ms', 'response→screen (lower bound)'), ('latency_at_ms', 'txn start→screen (upper bound)'), ('latency_raw_ms', 'raw frame hand-out→screen')):
            v = sorted(r['samples'].get(key) or [])
            if not v:
                continue
            ys = [100.0 * (j + 1) / len(v) for j in range(len(v))]
            ax.plot(v, ys, label=f'{lab}, run {i + 1}', lw=1)
            drew = True
    if not drew:
        plt.close(fig)
        continue
    ax.set_xscale('symlog', linthresh=1)
    ax.set_xlabel('latency, ms (symlog)')
    ax.set_ylabel('% of deliveries ≤ x')
    ax.set_title(f'{name}: commit→screen latency (CDF)')
    ax.grid(True, alpha=.3)
    ax.legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(os.path.join(charts, f'{name}.png'), dpi=110)
    plt.close(fig)
