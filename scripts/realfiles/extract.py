import subprocess, re, random, os, sys
from pathlib import Path
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from workdir import take_workdir
M = Path('/work/.mirror')
OUT = take_workdir(sys.argv) / 'corpus'
PAT = re.compile(r'\.(ya?ml|json)$|\.env$|(^|/)\.env([.-][A-Za-z0-9_.-]+)?$|\.env\.example$', re.I)
# Rounds 36 used bitnami charts, nf-core, vercel examples, starter workflows, kubernetes examples, solidus,
# stripe/OAI specs, mkdocs-material, circleci-cli, pre-commit-hooks, tsconfig bases, awesome-compose, Spring.
# Round 38 used cfn-lint fixtures, aws-cloudformation-templates, yaml-test-suite (branch data, no error cases),
# SchemaStore src/test, gatekeeper, flux2, CCOSTAN/Home-AssistantConfig, docker-elk.
# Round 43 used kubespray, devcontainers/templates, serverless/examples, laravel, dotnet/eShop, spring-petclinic
# microservices, prometheus-community/helm-charts, tektoncd/catalog, frenck/home-assistant-config, argo-workflows.
plans = {  # repo: (include regex, exclude regex, cap)
 'nst+JSONTestSuite': (r'^test_(parsing|transform)/', r'^$', 400),
 'joho+godotenv': (r'.', r'^$', 50),
 'bkeepers+dotenv': (r'.', r'^$', 50),
 'motdotla+dotenv': (r'.', r'^$', 50),
 'ansible+ansible': (r'^test/', r'^$', 350),
 'ansible+ansible-examples': (r'.', r'^$', 100),
 'frenck+home-assistant-config': (r'.', r'^$', 50),
 'argoproj+argo-cd': (r'.', r'(swagger|openapi|\.pb\.)', 300),
 'prometheus-operator+kube-prometheus': (r'.', r'^$', 100),
 'open-telemetry+opentelemetry-collector': (r'.', r'^$', 200),
 'getsentry+self-hosted': (r'.', r'^$', 50),
 'nextcloud+docker': (r'.', r'^$', 30),
 'laravel+laravel': (r'.', r'^$', 20),
}
LOCAL = {  # name: (root, include regex, cap): data files that ship on this machine
 'cfnlint': ('.venv/lib/python3.11/site-packages/cfnlint/data/schemas', r'\.json$', 150),
 'botocore': ('.venv/lib/python3.11/site-packages/botocore/data', r'\.json$', 40),
 'iso-codes': ('/usr/share/iso-codes/json', r'\.json$', 16),
 'cmake': ('/usr/share/cmake-3.25', r'\.json$', 40),
 'dist-packages': ('/usr/lib/python3/dist-packages', r'\.(json|ya?ml)$', 60),
 'site-yaml': ('.venv/lib/python3.11/site-packages', r'\.ya?ml$', 60),
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
for name, (root, inc, cap) in LOCAL.items():
    cands = sorted(str(p) for p in Path(root).rglob('*') if p.is_file() and re.search(inc, p.name) and 0 < p.stat().st_size <= 2_000_000)
    rnd.shuffle(cands)
    for p in sorted(cands[:cap]):
        dest = OUT / name / os.path.relpath(p, root).replace('/', '__')
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(Path(p).read_bytes())
        total += 1
    print(name, min(cap, len(cands)))
print('total', total)
