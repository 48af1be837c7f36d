#!/usr/bin/env python3
"""Black-box scorer for the heldout3 set.

  .venv/bin/python tools/heldout3/score.py --data out/heldout3/s3003 \
      --json out/heldout3/eval.json --txt out/heldout3/eval.txt      # from the repo root

Runs `soleguard replay --json` (RIGHT alone, LEFT alone, many traces per call)
and `soleguard replay --pair --json LEFT RIGHT` on every instance and on every
unmodified background crop, from the repository root. An SOS is an event with
cause "sos" and type "alarm" (that is how the CLI reports it).
"""
import argparse, json, os, subprocess, sys, time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

MAIN = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))   # tools/heldout3/ -> repo
CLI = MAIN + '/.venv/bin/soleguard'
MATCH_MS = 500        # an instance SOS within this of a background SOS is the background's
PAIR_MERGE_MS = 1000  # left and right alarms of one pair within this are one alarm


DETECTOR = {}
SNAPSHOT = None   # a copy of the detector's packages (PYTHONPATH) instead of the live MAIN tree


def _tree_hash(dirs):
    import hashlib
    h = hashlib.sha256()
    for key, top in dirs:
        for root, ds, files in sorted(os.walk(top)):
            ds[:] = sorted(d for d in ds if d != '__pycache__')
            for f in sorted(files):
                if f.endswith('.py'):
                    p = os.path.join(root, f)
                    h.update((key + '/' + os.path.relpath(p, top)).encode()); h.update(open(p, 'rb').read())
    return h.hexdigest()[:16]


def detector_fingerprint():
    """Which detector ran: git HEAD, modified paths, and a sha256 over the bytes of every .py file
    of the packages soleguard (firmware/soleguard) and soleguard_sim (sim), hashed, never displayed
    (MAIN may change under us). With --snapshot, the snapshot's packages are hashed."""
    g0 = lambda *c: subprocess.run(['git'] + list(c), cwd=MAIN, capture_output=True, text=True).stdout
    g = lambda *c: g0(*c).strip()
    if SNAPSHOT:
        tree = _tree_hash([('soleguard', SNAPSHOT + '/soleguard'), ('soleguard_sim', SNAPSHOT + '/soleguard_sim')])
    else:
        tree = _tree_hash([('soleguard', MAIN + '/firmware/soleguard'), ('soleguard_sim', MAIN + '/sim')])
    return dict(head=g('rev-parse', 'HEAD'), head_date=g('log', '-1', '--format=%ad', '--date=iso'),
                modified=[l[3:] for l in g0('status', '--porcelain').splitlines() if l[:2].strip()],
                tree_sha256=tree, snapshot=SNAPSHOT)


def is_sos(ev):
    return ev.get('cause') == 'sos' and ev.get('type') == 'alarm'


def run(args):
    env = dict(os.environ)
    if SNAPSHOT:
        env['PYTHONPATH'] = SNAPSHOT
    p = subprocess.run([CLI, 'replay', '--json'] + args, cwd=MAIN, capture_output=True, text=True, env=env)
    return p.returncode, p.stdout, p.stderr


def single_batch(paths):
    rc, out, err = run(paths)
    res = {}
    for line in out.splitlines():
        if line.strip().startswith('{'):
            o = json.loads(line)
            res[o['trace']] = o
    errs = [l for l in err.splitlines() if l.startswith('error')]
    if rc != 0 and not errs:
        errs = ['rc=%d: %s' % (rc, err.strip()[-300:])]
    return res, errs, rc


def pair_one(lr):
    rc, out, err = run(['--pair', lr[0], lr[1]])
    o = None
    for line in out.splitlines():
        if line.strip().startswith('{'):
            o = json.loads(line)
    errs = [l for l in err.splitlines() if l.startswith('error')]
    if rc != 0 and not errs:
        errs = ['rc=%d: %s' % (rc, err.strip()[-300:])]
    return lr, o, errs, rc


def sos_times(evs):
    return [e['t_ms'] for e in evs if is_sos(e)]


def merge(a, b, tol):
    out = sorted(a)
    for t in sorted(b):
        if all(abs(t - x) > tol for x in out):
            out.append(t)
    return sorted(out)


def not_in_bg(ts, bg):
    return [t for t in ts if all(abs(t - b) > MATCH_MS for b in bg)]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--data', default=os.path.join(MAIN, 'out', 'heldout3', 's3003'))
    ap.add_argument('--cli', default=None, metavar='PATH', help='soleguard CLI; default: <repo>/.venv/bin/soleguard')
    ap.add_argument('--json', default=None)
    ap.add_argument('--txt', default=None)
    ap.add_argument('--window-ms', type=int, default=2000, help='detection window after the third strike')
    ap.add_argument('--jobs', type=int, default=os.cpu_count() or 2)
    ap.add_argument('--batch', type=int, default=40)
    ap.add_argument('--rescore', default=None, metavar='RESULTS_JSON',
                    help='re-tabulate from the raw SOS times of an earlier results JSON (no detector run)')
    ap.add_argument('--snapshot', default=None, metavar='DIR',
                    help='run the CLI on a frozen copy of the detector packages (DIR/soleguard, DIR/soleguard_sim, '
                         'DIR/soleguard_console, put first on PYTHONPATH); default: the live repository tree')
    a = ap.parse_args()
    a.data = os.path.abspath(a.data)
    global SNAPSHOT, CLI
    if a.cli:
        CLI = os.path.abspath(a.cli) if os.sep in a.cli else a.cli
    SNAPSHOT = os.path.abspath(a.snapshot) if a.snapshot else None
    t0 = time.time()
    lab = json.load(open(a.data + '/labels.json'))
    if a.rescore:
        old = json.load(open(a.rescore))
        raw = {x['id']: x['raw'] for x in old['instances']}
        raw.update(old['backgrounds'])
        errors, missing = old['summary']['errors'], old['summary']['missing']
        info = old.get('run_info', '(rescored from %s)' % a.rescore)
        return report(a, lab, lambda stem: raw[stem], errors, missing, t0, info)
    inst = lab['instances']
    T = lambda i, s: '%s/traces/%s_%s.trace.csv' % (a.data, i, s)  # noqa
    Bp = lambda b, s: '%s/bg/%s_%s.trace.csv' % (a.data, b, s)
    singles = []
    for r in inst:
        singles += [T(r['id'], 'right'), T(r['id'], 'left')]
    for b in lab['backgrounds']:
        singles += [Bp(b, 'right'), Bp(b, 'left')]
    pairs = [(T(r['id'], 'left'), T(r['id'], 'right')) for r in inst] + \
            [(Bp(b, 'left'), Bp(b, 'right')) for b in lab['backgrounds']]
    batches = [singles[i:i + a.batch] for i in range(0, len(singles), a.batch)]
    fp0 = detector_fingerprint()
    single, pair, errors = {}, {}, []
    say = lambda text: print('score: %s (%.0f s)' % (text, time.time() - t0), file=sys.stderr, flush=True)
    with ThreadPoolExecutor(a.jobs) as ex:
        for k, (res, errs, rc) in enumerate(ex.map(single_batch, batches), 1):
            single.update(res); errors += errs
            if k % 10 == 0 or k == len(batches):
                say('%d/%d single-insole calls' % (k, len(batches)))
        for k, (lr, o, errs, rc) in enumerate(ex.map(pair_one, pairs), 1):
            errors += errs
            if o is not None:
                pair[os.path.basename(lr[1]).replace('_right.trace.csv', '')] = o
            if k % 100 == 0 or k == len(pairs):
                say('%d/%d pair calls' % (k, len(pairs)))
    name = lambda p: os.path.basename(p).replace('.trace.csv', '')
    missing = [name(p) for p in singles if name(p) not in single]
    missing += ['pair:' + os.path.basename(r).replace('_right.trace.csv', '') for l, r in pairs
                if os.path.basename(r).replace('_right.trace.csv', '') not in pair]

    def cols(stem):
        sr = single.get(stem + '_right', {}).get('events', [])
        sl = single.get(stem + '_left', {}).get('events', [])
        po = pair.get(stem, {}).get('events', {'left': [], 'right': []})
        pr, pl = sos_times(po.get('right', [])), sos_times(po.get('left', []))
        return dict(right=sos_times(sr), left=sos_times(sl), pair_right=pr, pair_left=pl,
                    pair=merge(pr, pl, PAIR_MERGE_MS),
                    fusion=pair.get(stem, {}).get('fusion'))

    fp1 = detector_fingerprint()
    DETECTOR.update(start=fp0, end=fp1)
    info = '%d single-insole traces in %d calls, %d pair calls, %d jobs; detector %sHEAD %s (%s), packages tree %s%s%s' % (
        len(singles), len(batches), len(pairs), a.jobs, ('snapshot %s of ' % SNAPSHOT) if SNAPSHOT else 'live %s, ' % MAIN,
        fp0['head'][:10], fp0['head_date'], fp0['tree_sha256'],
        ' (the %s tree had uncommitted changes in %d files)' % (MAIN, len(fp0['modified'])) if fp0['modified'] else '',
        '' if fp0['tree_sha256'] == fp1['tree_sha256'] else  # a commit of the same files changes nothing scored
        '; WARNING: the detector changed during the run (tree %s at the end)' % fp1['tree_sha256'])
    return report(a, lab, cols, errors, missing, t0, info)


def report(a, lab, cols, errors, missing, t0, run_info):
    inst = lab['instances']
    bgres = {b: cols(b) for b in lab['backgrounds']}
    results = []
    for r in inst:
        c = cols(r['id']); bgc = bgres[r['bg_id']]
        rec = dict(id=r['id'], kind=r['kind'], condition=r['condition'], positive=r['positive'],
                   background=r['background'], bg_id=r['bg_id'], raw=c,
                   bg_sos={k: bgc[k] for k in ('right', 'left', 'pair')})
        own = {k: not_in_bg(c[k], bgc[k]) for k in ('right', 'left', 'pair', 'pair_right', 'pair_left')}
        rec['own_sos'] = own
        if r['positive']:
            t3 = r['third_strike_ms']; t1 = r['strikes_ms'][0]
            for col, key in (('right', 'right'), ('pair', 'pair_right')):
                hits = [t for t in own[key] if t1 <= t <= t3 + a.window_ms]
                rec[col + '_detected'] = bool(hits)
                rec[col + '_latency_ms'] = (hits[0] - t3) if hits else None
                allc = own['right'] if col == 'right' else own['pair']
                rec[col + '_extra'] = len([t for t in allc if not (hits and abs(t - hits[0]) <= PAIR_MERGE_MS)])
            rec['left_false'] = len(own['left'])
        else:
            rec['false'] = {k: len(own[k]) for k in ('right', 'left', 'pair')}
            rec['n_marks'] = len(r['marks_ms'])
        results.append(rec)

    # ------------------------------------------------------------------ tables
    lines = []
    P = lambda s='': lines.append(s)
    pos = [x for x in results if x['positive']]
    neg = [x for x in results if not x['positive']]

    def pct(k, n):
        return '%3d/%-3d %5.1f%%' % (k, n, 100.0 * k / n) if n else '  -  '

    def lat(xs):
        xs = sorted(v for v in xs if v is not None)
        if not xs:
            return '     -      '
        med = xs[len(xs) // 2]; p90 = xs[min(len(xs) - 1, int(0.9 * len(xs)))]
        return '%5d /%5d' % (med, p90)

    P('heldout3 black-box SOS score  data=%s  seed=%s  instances=%d (%d gestures, %d look-alikes), %d background crops'
      % (a.data, lab['seed'], len(results), len(pos), len(neg), len(bgres)))
    P('SOS = event type "alarm", cause "sos". Gesture detected = SOS from the right insole (single) / the pair\'s right insole,'
      ' between the first strike and third strike + %d ms; latency = SOS time - third strike (ms). Events that also occur'
      ' (within %d ms) in the same unmodified background crop are not charged.' % (a.window_ms, MATCH_MS))
    P()
    P('GESTURES (3-4 right-to-left medial strikes)')
    P('%-18s %4s | %-15s %-12s %5s | %-15s %-12s %5s | %s' % ('condition', 'n', 'RIGHT recall', 'lat med/p90', 'extra',
                                                            'PAIR recall', 'lat med/p90', 'extra', 'LEFT false'))
    groups = defaultdict(list)
    for x in pos:
        groups[x['condition']].append(x)
    order = ['easy'] + sorted(k for k in groups if k != 'easy')
    hard = [x for x in pos if x['condition'] != 'easy']

    def grow(label, xs):
        P('%-18s %4d | %-15s %-12s %5d | %-15s %-12s %5d | %d' % (
            label, len(xs), pct(sum(x['right_detected'] for x in xs), len(xs)), lat([x['right_latency_ms'] for x in xs]),
            sum(x['right_extra'] for x in xs), pct(sum(x['pair_detected'] for x in xs), len(xs)),
            lat([x['pair_latency_ms'] for x in xs]), sum(x['pair_extra'] for x in xs), sum(x['left_false'] for x in xs)))
    for k in order:
        grow(k, groups[k])
    P('-' * 110)
    grow('ALL hard', hard)
    grow('ALL', pos)
    early = [x for x in pos if (x['right_latency_ms'] is not None and x['right_latency_ms'] < 0)
             or (x['pair_latency_ms'] is not None and x['pair_latency_ms'] < 0)]
    P('detections before the third strike (negative latency): %d' % len(early))
    P()
    P('LOOK-ALIKES: false SOS (count of SOS events; instances with >=1 in brackets)')
    P('%-16s %-26s %4s | %9s %9s %9s' % ('kind', 'variant', 'n', 'RIGHT', 'LEFT', 'PAIR'))
    kg = defaultdict(list)
    for x in neg:
        kg[x['kind']].append(x)

    def nrow(k, v, xs):
        f = lambda c: '%3d [%2d]' % (sum(x['false'][c] for x in xs), sum(x['false'][c] > 0 for x in xs))
        P('%-16s %-26s %4d | %9s %9s %9s' % (k, v, len(xs), f('right'), f('left'), f('pair')))
    for k in sorted(kg):
        nrow(k, '(all)', kg[k])
        vg = defaultdict(list)
        for x in kg[k]:
            vg[x['condition']].append(x)
        if len(vg) > 1:
            for v in sorted(vg):
                nrow('', v, vg[v])
    P('-' * 80)
    nrow('ALL', '', neg)
    r3 = [x for x in neg if x['n_marks'] == 3]
    nrow('ALL', 'exactly 3 impacts/marks', r3)
    P()
    bt = {c: sum(len(v[c]) for v in bgres.values()) for c in ('right', 'left', 'pair')}
    bdur = sum((v['crop'][1] - v['crop'][0]) / 100.0 for v in lab['backgrounds'].values())
    P('BACKGROUND (unmodified real crops, %d pairs, %.1f min): SOS right=%d left=%d pair=%d' % (
        len(bgres), bdur / 60, bt['right'], bt['left'], bt['pair']))
    for b, v in sorted(bgres.items()):
        if v['right'] or v['left'] or v['pair']:
            P('  %s: right %s left %s pair %s' % (b, v['right'], v['left'], v['pair']))
    if errors or missing:
        P('ERRORS: %d error lines, %d missing results' % (len(errors), len(missing)))
        for e in errors[:20]:
            P('  ' + e)
        for m in missing[:20]:
            P('  missing ' + m)
    P()
    P('runtime %.1f s (%s)' % (time.time() - t0, run_info))
    txt = '\n'.join(lines)
    print(txt)
    if a.txt:
        open(a.txt, 'w').write(txt + '\n')
    if a.json:
        summary = dict(
            recall_right=sum(x['right_detected'] for x in pos) / max(len(pos), 1),
            recall_pair=sum(x['pair_detected'] for x in pos) / max(len(pos), 1),
            recall_right_easy=sum(x['right_detected'] for x in groups['easy']) / max(len(groups['easy']), 1),
            recall_pair_easy=sum(x['pair_detected'] for x in groups['easy']) / max(len(groups['easy']), 1),
            recall_right_hard=sum(x['right_detected'] for x in hard) / max(len(hard), 1),
            recall_pair_hard=sum(x['pair_detected'] for x in hard) / max(len(hard), 1),
            false_sos={c: sum(x['false'][c] for x in neg) for c in ('right', 'left', 'pair')},
            false_sos_by_kind={k: {c: sum(x['false'][c] for x in xs) for c in ('right', 'left', 'pair')} for k, xs in kg.items()},
            background_sos=bt, errors=errors, missing=missing)
        json.dump(dict(data=a.data, seed=lab['seed'], window_ms=a.window_ms, summary=summary,
                       instances=results, backgrounds=bgres, runtime_s=time.time() - t0, run_info=run_info,
                       detector=DETECTOR or None),
                  open(a.json, 'w'), indent=1)


if __name__ == '__main__':
    main()
