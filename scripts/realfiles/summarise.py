import json, sys, collections
c = collections.Counter(); fails = collections.defaultdict(list)
for fn in sys.argv[1:]:
    for l in open(fn):
        d = json.loads(l)
        if d.get('ok'): c['ok'] += 1; continue
        fam = (d.get('stage') or d.get('edit'), 'refused' if d.get('refused') else 'crash' if d.get('crash') else 'wrongdata' if d.get('wrongdata') else 'badtext' if d.get('badtext') else 'accepted_invalid' if d.get('accepted_invalid') else 'other')
        c[fam] += 1; fails[fam].append(d)
for k, v in c.most_common(): print(v, k)
if len(sys.argv) and '-v' in sys.argv[0:1]: pass
json.dump({str(k): v for k, v in fails.items()}, open('/tmp/real36/fails.json', 'w'))
