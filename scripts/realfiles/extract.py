import subprocess, re, random, os, sys
from pathlib import Path
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from workdir import take_workdir
M = Path('/work/.mirror')
OUT = take_workdir(sys.argv) / 'corpus'
PAT = re.compile(r'\.(ya?ml|json)$|(^|/)\.env(\.[A-Za-z0-9_.-]+)?$|\.env\.example$', re.I)
plans = {  # repo: (include regex, exclude regex, cap)
 'bitnami+charts': (r'(values\.yaml|Chart\.yaml|values\.schema\.json)$', r'/templates/', 500),
 'nf-core+modules': (r'(environment\.yml|meta\.yml|tests/.*\.json)$', r'^$', 250),
 'vercel+examples': (r'.', r'(package-lock|pnpm-lock|yarn\.lock)', 450),
 'actions+starter-workflows': (r'.', r'^$', 372),
 'kubernetes+examples': (r'.', r'^$', 262),
 'solidusio+solidus': (r'.', r'^$', 205),
 'stripe+openapi': (r'.', r'^$', 30),
 'OAI+OpenAPI-Specification': (r'.', r'^$', 40),
 'squidfunk+mkdocs-material': (r'.', r'^$', 66),
 'CircleCI-Public+circleci-cli': (r'.', r'^$', 75),
 'pre-commit+pre-commit-hooks': (r'.', r'^$', 11),
 'tsconfig+bases': (r'.', r'^$', 39),
 'docker+awesome-compose': (r'.', r'^$', 85),
 'spring-petclinic+spring-petclinic-microservices': (r'.', r'^$', 32),
 'spring-projects+spring-petclinic': (r'.', r'^$', 9),
}
rnd = random.Random(36)
total = 0
for repo, (inc, exc, cap) in plans.items():
    gd = M / repo / 'repo'
    names = subprocess.run(['git', f'--git-dir={gd}', 'ls-tree', '-r', '-l', 'HEAD'], capture_output=True, text=True).stdout.splitlines()
    cands = []
    for line in names:
        meta, path = line.split('\t', 1)
        size = meta.split()[3]
        if not size.isdigit() or int(size) > 3_000_000 or int(size) == 0: continue
        if PAT.search(path) and re.search(inc, path) and not re.search(exc, path):
            cands.append(path)
    rnd.shuffle(cands)
    cands = sorted(cands[:cap])
    for p in cands:
        data = subprocess.run(['git', f'--git-dir={gd}', 'show', f'HEAD:{p}'], capture_output=True).stdout
        dest = OUT / repo / p.replace('/', '__')
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(data)
        total += 1
    print(repo, len(cands))
print('total', total)
