#!/usr/bin/env python3
"""heldout4 scorer: black box through the soleguard CLI only (see README.md)."""
import argparse, json, os, subprocess, sys
from concurrent.futures import ThreadPoolExecutor
import numpy as np

CLI = '/work/main/.venv/bin/soleguard'

def run(args, env):
    p = subprocess.run([CLI, 'replay', '--json'] + args, cwd='/work/main', env=env, capture_output=True, text=True)
    out = [json.loads(l) for l in p.stdout.splitlines() if l.strip().startswith('{')]
    if p.returncode != 0 and not out:
        print('error:', ' '.join(args[-2:]), p.stderr.strip()[-300:], file=sys.stderr)
    return out

def sos_times(ev):
    if isinstance(ev, dict): ev = [e for side in ev.values() for e in side]
    return sorted(e['t_ms'] for e in ev if e.get('type') == 'alarm' and e.get('cause') == 'sos')

def main():
    ap = argparse.ArgumentParser(); ap.add_argument('--data', required=True); ap.add_argument('--json', dest='js')
    ap.add_argument('--txt'); ap.add_argument('--snapshot'); a = ap.parse_args()
    env = dict(os.environ)
    if a.snapshot: env['PYTHONPATH'] = os.path.abspath(a.snapshot) + (os.pathsep + env['PYTHONPATH'] if env.get('PYTHONPATH') else '')
    data = os.path.abspath(a.data); lab = json.load(open(os.path.join(data, 'labels.json')))
    inst = lab['instances']; f = lambda i, s: os.path.join(data, i['files'][s])
    single = {}; pair = {}
    batches = [inst[k:k + 25] for k in range(0, len(inst), 25)]
    with ThreadPoolExecutor(2) as ex:
        fs = [ex.submit(run, [f(i, 'right') for i in b], env) for b in batches]
        fp = {i['id']: ex.submit(run, ['--pair', f(i, 'left'), f(i, 'right')], env) for i in inst}
        for b, fu in zip(batches, fs):
            res = {r['trace']: r for r in fu.result()}
            for i in b:
                r = res.get(i['files']['right'].replace('.trace.csv', ''))
                single[i['id']] = sos_times(r['events']) if r else None
        for k, fu in fp.items():
            r = fu.result(); pair[k] = sos_times(r[0]['events']) if r else None
    rep = {'data': data, 'snapshot': a.snapshot, 'labels_sha256': __import__('hashlib').sha256(open(os.path.join(data, 'labels.json'), 'rb').read()).hexdigest()}
    lines = [f"heldout4 score  data={a.data}  snapshot={a.snapshot or '(default)'}", f"labels.json sha256 {rep['labels_sha256']}"]
    for mode, R in (('single', single), ('pair', pair)):
        errs = [i['id'] for i in inst if R[i['id']] is None]
        g = [i for i in inst if i['kind'] == 'gesture']; byc = {}; lat = []
        for i in g:
            st = i['strikes_ms']; hit = [t for t in (R[i['id']] or []) if st[0] <= t <= st[-1] + 2000]
            byc.setdefault(i['condition'], []).append(bool(hit))
            if hit: lat.append(hit[0] - st[-1])
        allhit = [x for v in byc.values() for x in v]
        m = {'recall_overall': float(np.mean(allhit)), 'n_gestures': len(allhit),
             'recall_by_condition': {c: [int(sum(v)), len(v)] for c, v in byc.items()},
             'latency_ms_median': float(np.median(lat)) if lat else None,
             'latency_ms_p90': float(np.percentile(lat, 90)) if lat else None, 'errors': errs}
        fp_k = {}
        for i in inst:
            if i['kind'] == 'gesture': continue
            n = len(R[i['id']] or []); d = fp_k.setdefault(i['kind'], {'instances': 0, 'with_sos': 0, 'sos_events': 0})
            d['instances'] += 1; d['with_sos'] += int(n > 0); d['sos_events'] += n
        m['false_sos'] = fp_k
        m['false_sos_total_lookalikes'] = sum(v['sos_events'] for k, v in fp_k.items() if k != 'background')
        m['false_sos_instances_lookalikes'] = sum(v['with_sos'] for k, v in fp_k.items() if k != 'background')
        m['false_sos_background'] = fp_k.get('background', {}).get('sos_events', 0)
        m['per_instance'] = R; rep[mode] = m
        lines.append(f"[{mode}] recall overall {sum(allhit)}/{len(allhit)} = {m['recall_overall']:.3f}; latency after last strike median {m['latency_ms_median']} ms, p90 {m['latency_ms_p90']} ms; errors {len(errs)}")
        for c, (h, n) in m['recall_by_condition'].items(): lines.append(f"[{mode}]   recall {c:14s} {h}/{n}")
        for k, v in fp_k.items(): lines.append(f"[{mode}]   false SOS {k:18s} {v['with_sos']}/{v['instances']} instances, {v['sos_events']} events")
        lines.append(f"[{mode}] false SOS look-alikes total: {m['false_sos_instances_lookalikes']} instances, {m['false_sos_total_lookalikes']} events; backgrounds: {m['false_sos_background']} events")
    txt = '\n'.join(lines) + '\n'; print(txt)
    if a.txt: open(a.txt, 'w').write(txt)
    if a.js: json.dump(rep, open(a.js, 'w'), indent=1)

if __name__ == '__main__':
    main()
