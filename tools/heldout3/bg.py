"""Background loader: real both-feet recordings, aligned and cut to a common span."""
import glob, json, os, re
import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))   # tools/heldout3/ -> repo
TR = os.path.join(ROOT, 'out', 'traces')   # gen.py --traces DIR overrides

def read_trace(path):
    meta_lines = []
    with open(path) as f:
        first = f.readline()
        assert first.startswith('# soleguard-trace 1'), path
        line = f.readline()
        while line.startswith('#'):
            meta_lines.append(line[1:])
            line = f.readline()
        header = line.strip().split(',')
        data = np.loadtxt(f, delimiter=',', dtype=np.int64, ndmin=2)
    meta = json.loads(''.join(meta_lines))
    return meta, header, data

def write_trace(path, meta, header, data):
    txt = json.dumps(meta, indent=1, sort_keys=True)
    tmp = path + '.tmp'
    with open(tmp, 'w') as f:
        f.write('# soleguard-trace 1\n')
        for l in txt.split('\n'):
            f.write('# ' + l + '\n')
        f.write(','.join(header) + '\n')
        np.savetxt(f, data, fmt='%d', delimiter=',')
    os.replace(tmp, path)

def list_pairs():
    pairs = []
    for f in sorted(glob.glob(TR + '/ipol/*_rf.trace.csv')):
        pairs.append(('ipol', f.replace('_rf.', '_lf.'), f))
    for ds in ('moticon', 'gaitmap', 'hugadb'):
        for f in sorted(glob.glob(TR + '/%s/*_right.trace.csv' % ds)):
            l = f.replace('_right.trace', '_left.trace')
            if os.path.exists(l):
                pairs.append((ds, l, f))
    return pairs

def load_pair(ds, lpath, rpath):
    ml, hl, dl = read_trace(lpath)
    mr, hr, dr = read_trace(rpath)
    assert hl == hr, (lpath, hl, hr)
    t0l = ml.get('source_t0_ms', 0); t0r = mr.get('source_t0_ms', 0)
    # common time base: source time = trace time + source_t0_ms
    start = max(t0l, t0r)
    il = (start - t0l) // 10; ir = (start - t0r) // 10
    n = min(len(dl) - il, len(dr) - ir)
    dl = dl[il:il + n].copy(); dr = dr[ir:ir + n].copy()
    dl[:, 0] = np.arange(n) * 10; dr[:, 0] = np.arange(n) * 10
    return dict(ds=ds, name=os.path.basename(rpath).replace('.trace.csv', ''),
                lpath=lpath, rpath=rpath, ml=ml, mr=mr, header=hl, L=dl, R=dr,
                cut={'left_first_sample': int(il), 'right_first_sample': int(ir)})

def still_mask(d, header, gthr=25.0, athr=120.0):
    """True where the foot is quiet: gyro |w| < gthr dps and ||a|-1g| < athr mg over +-0.4 s."""
    g = d[:, 4:7] / 10.0
    a = d[:, 1:4]
    gm = np.sqrt((g ** 2).sum(1)); am = np.abs(np.sqrt((a ** 2).sum(1)) - 1000)
    bad = (gm > gthr) | (am > athr)
    k = 40
    c = np.convolve(bad.astype(float), np.ones(2 * k + 1), 'same')
    return c == 0

def standing_windows(p, min_s=5.0):
    """Quiet spans (both feet) inside segments the source labels 'standing'."""
    m = still_mask(p['L'], p['header'], 40.0, 150.0) & still_mask(p['R'], p['header'], 40.0, 150.0)
    lab = np.zeros(len(m), bool)
    segs = p['mr'].get('labels', {}).get('segments', [])
    off = p['cut']['right_first_sample']      # segment times are the right trace's own
    for s in segs:
        if s.get('activity') == 'standing':
            lab[max(0, s['start_ms'] // 10 - off): max(0, s['end_ms'] // 10 - off)] = True
    m &= lab
    out = []; i = 0; n = len(m)
    while i < n:
        if m[i]:
            j = i
            while j < n and m[j]:
                j += 1
            if (j - i) / 100.0 >= min_s:
                out.append((i, j))
            i = j
        else:
            i += 1
    return out

def walking_windows(p, min_s=6.0):
    segs = []
    off, n = p['cut']['right_first_sample'], len(p['R'])
    for s in p['mr'].get('labels', {}).get('segments', []):
        a, b = max(0, s['start_ms'] // 10 - off), min(n, s['end_ms'] // 10 - off)
        if 'walk' in s.get('activity', '') and b - a >= min_s * 100:
            segs.append((a, b))
    return segs
