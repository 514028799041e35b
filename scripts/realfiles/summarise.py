import json, os, sys, collections
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from workdir import take_workdir
WORK = take_workdir(sys.argv)
c = collections.Counter(); fails = collections.defaultdict(list)
for fn in sys.argv[1:]:
    for l in open(fn):
        d = json.loads(l)
        if 'cmd' in d:  # a cli.py line: right data, or a one-line refusal leaving the file unchanged
            d['ok'] = d['rc'] == 0 and d.get('dataok', d.get('exact')) is True
            d['refused'] = d['rc'] == 1 and d.get('lines') == 1 and d.get('unchanged')
        if d.get('ok'): c['ok'] += 1; continue
        fam = (d.get('stage') or d.get('edit') or 'cli ' + d['cmd'], 'refused' if d.get('refused') else 'crash' if d.get('crash') else 'wrongdata' if d.get('wrongdata') else 'badtext' if d.get('badtext') else 'accepted_invalid' if d.get('accepted_invalid') else 'other')
        c[fam] += 1; fails[fam].append(d)
for k, v in c.most_common(): print(v, k)
if len(sys.argv) and '-v' in sys.argv[0:1]: pass
json.dump({str(k): v for k, v in fails.items()}, open(WORK / 'fails.json', 'w'))
