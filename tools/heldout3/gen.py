#!/usr/bin/env python3
"""Held-out both-feet SOS test set: synthetic gestures and look-alikes injected
into real both-feet recordings (left + right traces).

  .venv/bin/python tools/heldout3/gen.py --seed 3003      # from the repo root -> out/heldout3/s3003

Writes OUT/traces/<id>_{left,right}.trace.csv, OUT/bg/<bg>_{left,right}.trace.csv
(the same real crops unmodified) and OUT/labels.json. Physics: README.md.
"""
import argparse, copy, json, os, sys, time
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bg as B
import events as E
from physics import IMU, render, loads_on_ticks

VERSION = 'heldout3-1'


def sat(x, lim):
    return np.clip(np.round(x), -lim, lim).astype(np.int64)


def pick_window(rng, wins, need_ticks, pairs):
    """Pick a dataset first (uniformly among those with a long-enough window), then a window."""
    ok = [w for w in wins if w[2][1] - w[2][0] >= need_ticks]
    dss = sorted(set(pairs[w[0]]['ds'] for w in ok))
    if dss:
        ds = dss[int(rng.integers(len(dss)))]
        ok = [w for w in ok if pairs[w[0]]['ds'] == ds]
    if not ok:
        L = max(w[2][1] - w[2][0] for w in wins)
        ok = [w for w in wins if w[2][1] - w[2][0] == L]
    return ok[int(rng.integers(len(ok)))]


def inject(rng, pair, win, R, L, info, imu_p):
    n = len(pair['R'])
    a0s, a1s = info['active']
    act = int(round((a1s - a0s) * 100))
    w0, w1 = win
    lo, hi = w0 + 50, max(w0 + 50, w1 - 50 - act)
    a0 = int(rng.integers(lo, hi + 1))
    s0 = a0 - int(round(a0s * 100))
    span = int(R.n // 10)
    s0 = int(np.clip(s0, 0, max(0, n - span)))
    n_out = min(span, n - s0)
    c0 = max(0, s0 - int(rng.uniform(6, 10) * 100))
    c1 = min(n, s0 + n_out + int(rng.uniform(5, 8) * 100))
    out = {}
    hdr = pair['header']
    zones = [h for h in hdr if h.startswith('load_')]
    for side, F, rows0 in (('right', R, pair['R']), ('left', L, pair['L'])):
        rows = rows0.copy()
        g_b = rows[max(0, s0 - 50):s0 + 1, 1:4].mean(0) if s0 > 0 else rows[:50, 1:4].mean(0)
        imu = IMU(imu_p['odr'], imu_p['acc_bw_frac'], imu_p['gyro_bw_frac'],
                  float(rng.uniform(0, 1.0 / imu_p['odr'])))
        fa, fw = render(F, g_b, imu, n_out)
        seg = rows[s0:s0 + n_out]
        seg[:, 1:4] = sat(seg[:, 1:4] + fa.T, 16000)
        seg[:, 4:7] = sat(seg[:, 4:7] + fw.T, 20000)
        if zones:
            sc, ml, fz = loads_on_ticks(F, n_out)
            for j, z in enumerate(zones):
                c = 7 + j
                sgn = 1 if '_lat' in z else -1 if '_med' in z else 0
                reg = 0 if 'heel' in z else 1 if any(k in z for k in ('fore', 'hallux', 'toe')) else None
                nreg0 = sum('heel' in q for q in zones); nreg1 = sum(any(k in q for k in ('fore', 'hallux', 'toe')) for q in zones)
                v = seg[:, c] * sc * (1 + np.clip(ml, -0.9, 0.9) * sgn)
                if reg == 0 and nreg0:
                    v = v + fz[0] / nreg0
                elif reg == 1 and nreg1:
                    v = v + fz[1] / nreg1
                seg[:, c] = np.clip(np.round(v), 0, 5000)
        rows[s0:s0 + n_out] = seg
        crop = rows[c0:c1].copy()
        crop[:, 0] = np.arange(len(crop)) * 10
        out[side] = crop
    return out, dict(span_start_ms=(s0 - c0) * 10, crop=[int(c0), int(c1)], span_ticks=int(n_out))


def make_meta(src, name, rec, labels_sos, segs, h3):
    m = copy.deepcopy(src)
    m['name'] = name
    m['recording'] = rec
    if 'source_t0_ms' in m:
        m['source_t0_ms'] = 0
    lab = {'falls': [], 'segments': segs, 'sos': labels_sos}
    m['labels'] = lab
    m['kind'] = 'adl'
    m['notes'] = ('heldout3 synthetic injection into a real recording (%s). ' % h3['background']) + \
        ('Both traces cut to their common span on the source time base and cropped; rows outside '
         'the injection span are the real samples unchanged. Original notes: ' + src.get('notes', ''))
    m['heldout3'] = h3
    return m


def crop_segments(src_meta, c0, c1, off=0):
    """Source segments (in that trace's own time; off = samples cut from its start) on the crop."""
    out = []
    for s in src_meta.get('labels', {}).get('segments', []):
        a, b = max(s['start_ms'] - off * 10, c0 * 10), min(s['end_ms'] - off * 10, c1 * 10)
        if b > a:
            out.append({'activity': s.get('activity', ''), 'start_ms': a - c0 * 10, 'end_ms': b - c0 * 10})
    return out


def jsonable(x):
    if isinstance(x, dict):
        return {k: jsonable(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [jsonable(v) for v in x]
    if isinstance(x, (np.floating,)):
        return round(float(x), 5)
    if isinstance(x, float):
        return round(x, 5)
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, np.ndarray):
        return jsonable(x.tolist())
    if isinstance(x, np.bool_):
        return bool(x)
    return x


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--seed', type=int, default=3003)
    ap.add_argument('--out', default=None, help='default: <repo>/out/heldout3/s<seed>')
    ap.add_argument('--traces', default=None, metavar='DIR', help='imported traces; default: <repo>/out/traces')
    ap.add_argument('--n-easy', type=int, default=40)
    ap.add_argument('--n-hard-each', type=int, default=5, help='per hard condition (12 conditions)')
    ap.add_argument('--n-neg', type=int, default=20, help='per look-alike kind (16 kinds)')
    a = ap.parse_args()
    if a.traces:
        B.TR = os.path.abspath(a.traces)
    out = a.out or os.path.join(B.ROOT, 'out', 'heldout3', 's%d' % a.seed)
    os.makedirs(out + '/traces', exist_ok=True); os.makedirs(out + '/bg', exist_ok=True)
    t_start = time.time()
    rng = np.random.default_rng(a.seed)
    listed = B.list_pairs()
    missing = sorted({'ipol', 'moticon', 'gaitmap', 'hugadb'} - {p[0] for p in listed})
    if missing:  # the documented set (seed 3003: 338 pairs) draws on all four
        print('warning: no %s pairs under %s: the set differs from the documented one '
              '(bash tools/import_all.sh out/traces imports them)' % ('/'.join(missing), B.TR), file=sys.stderr)
    pairs = [B.load_pair(*p) for p in listed]
    stand, walk = [], []
    for pi, p in enumerate(pairs):
        for w in B.standing_windows(p):
            stand.append((pi, 'stand', w))
        for w in B.walking_windows(p):
            walk.append((pi, 'walk', w))
    if not stand or not walk:
        sys.exit('error: %s: %d both-feet trace pairs, %d standing and %d walking windows; need the imported '
                 'IPOL, HuGaDB and Moticon traces there (bash tools/import_all.sh out/traces, or soleguard import '
                 'ipol|hugadb|moticon ... -o out/traces/<name>), or --traces DIR' % (B.TR, len(pairs), len(stand), len(walk)))
    print('backgrounds: %d pairs, %d standing windows (%.0f s), %d walking windows' % (
        len(pairs), len(stand), sum(w[2][1] - w[2][0] for w in stand) / 100, len(walk)), file=sys.stderr)

    jobs = [('gesture', 'easy')] * a.n_easy
    for c in E.HARD:
        jobs += [('gesture', c)] * a.n_hard_each
    for k in E.LOOKALIKES:
        jobs += [(k, None)] * a.n_neg
    labels = dict(version=VERSION, seed=a.seed, instances=[], backgrounds={})
    written_bg = {}
    for idx, (kind, cond) in enumerate(jobs):
        r = np.random.default_rng([a.seed, idx])
        if kind == 'gesture':
            R, L, info = E.gesture(r, cond)
            imu_p = info.pop('imu')
        else:
            R, L, info = E.LOOKALIKES[kind](r)
            imu_p = E.imu_params(r)
        wins = walk if info.get('walking') else stand
        need = int((info['active'][1] - info['active'][0]) * 100) + 100
        pi, wtype, win = pick_window(r, wins, need, pairs)
        pair = pairs[pi]
        tr, place = inject(r, pair, win, R, L, info, imu_p)
        iid = '%s_%s_%03d' % ('g' if kind == 'gesture' else 'n', kind if kind != 'gesture' else cond, idx)
        base_ms = place['span_start_ms']
        to_ms = lambda t: int(round(base_ms + t * 1000))
        rec = dict(id=iid, kind=kind, condition=cond or (info['params'].get('variant') or 'default'),
                   positive=kind == 'gesture', background=pair['name'], bg_dataset=pair['ds'],
                   bg_window=wtype, crop=place['crop'], imu=imu_p,
                   span_ms=[base_ms, base_ms + place['span_ticks'] * 10],
                   active_ms=[to_ms(info['active'][0]), to_ms(info['active'][1])],
                   marks_ms=[to_ms(t) for t in info['marks']],
                   params=info['params'],
                   impacts_right=[dict(i, t_ms=to_ms(i['t'])) for i in R.impacts],
                   impacts_left=[dict(i, t_ms=to_ms(i['t'])) for i in L.impacts])
        if kind == 'gesture':
            rec['strikes_ms'] = [to_ms(t) for t in info['strikes']]
            rec['third_strike_ms'] = to_ms(info['t_third'])
        rec['n_samples'] = len(tr['right'])
        c0, c1 = place['crop']
        bgid = '%s_%d_%d' % (pair['name'].replace('_right', '').replace('_rf', ''), c0, c1)
        rec['bg_id'] = bgid
        segs = crop_segments(pair['mr'], c0, c1, pair['cut']['right_first_sample']) + [{'activity': 'heldout3:' + kind, 'start_ms': rec['active_ms'][0], 'end_ms': rec['active_ms'][1]}]
        sos = [{'strikes_ms': rec['strikes_ms']}] if kind == 'gesture' else []
        h3 = jsonable(dict(version=VERSION, seed=a.seed, instance=iid, kind=kind, condition=rec['condition'],
                           background=pair['name'], crop_samples=[c0, c1], imu=imu_p))
        for side in ('left', 'right'):
            src = pair['ml'] if side == 'left' else pair['mr']
            m = make_meta(src, '%s_%s' % (iid, side), iid, sos, segs, h3)
            B.write_trace('%s/traces/%s_%s.trace.csv' % (out, iid, side), m, pair['header'], tr[side])
        if bgid not in written_bg:
            for side in ('left', 'right'):
                src = pair['ml'] if side == 'left' else pair['mr']
                rows = (pair['L'] if side == 'left' else pair['R'])[c0:c1].copy()
                rows[:, 0] = np.arange(len(rows)) * 10
                h3b = dict(version=VERSION, background=pair['name'], crop_samples=[c0, c1], unmodified=True)
                off = pair['cut']['left_first_sample' if side == 'left' else 'right_first_sample']
                m = make_meta(src, '%s_%s' % (bgid, side), bgid, [], crop_segments(src, c0, c1, off), h3b)
                m['notes'] = 'heldout3 background crop, unmodified real samples. ' + src.get('notes', '')
                B.write_trace('%s/bg/%s_%s.trace.csv' % (out, bgid, side), m, pair['header'], rows)
            written_bg[bgid] = dict(background=pair['name'], dataset=pair['ds'], crop=[c0, c1])
        labels['instances'].append(jsonable(rec))
    labels['backgrounds'] = written_bg
    with open(out + '/labels.json', 'w') as f:
        json.dump(labels, f, indent=1)
    print('wrote %d instances, %d background crops to %s in %.1f s' % (
        len(jobs), len(written_bg), out, time.time() - t_start), file=sys.stderr)


if __name__ == '__main__':
    main()
