"""(round 43) Copy the chosen JSON and dotenv files from /work/.mirror snapshots (and cfn-lint's installed data) into
tests/corpus/real/{json,dotenv}/ and write their MANIFEST.json entries (a 'store' field; 'parses' false where
the note says refused). Re-running replaces the JSON/dotenv entries and keeps the YAML ones."""
import json, re, subprocess, sys
from pathlib import Path
WT = Path(__file__).resolve().parents[2] / 'tests' / 'corpus' / 'real'
SITE = Path('/work/main/.venv/lib/python3.11/site-packages')
LIC = {'dotnet/eShop': 'MIT', 'devcontainers/templates': 'MIT', 'laravel/laravel': 'MIT', 'symfony/demo': 'MIT',
       'tsconfig/bases': 'MIT', 'serverless/examples': 'MIT', 'spring-petclinic/spring-petclinic-microservices': 'Apache-2.0',
       'motdotla/dotenv': 'BSD-2-Clause', 'bkeepers/dotenv': 'MIT', 'aws-cloudformation/cfn-lint': 'MIT-0'}
PICKS = [  # (store, mirror repo, path, note)
 ('json', 'dotnet+eShop', 'src/Catalog.API/appsettings.json', 'byte order mark'),
 ('json', 'dotnet+eShop', 'src/PaymentProcessor/appsettings.json', 'byte order mark, no final line break'),
 ('json', 'dotnet+eShop', 'src/Catalog.API/Catalog.API.json', 'OpenAPI document: nesting 10 deep, arrays of objects'),
 ('json', 'dotnet+eShop', 'src/Identity.API/Properties/launchSettings.json', 'no final line break'),
 ('json', 'dotnet+eShop', 'src/Identity.API/bundleconfig.json', 'JSONC (comments) with a byte order mark: refused'),
 ('json', 'devcontainers+templates', 'src/go/.devcontainer/devcontainer.json', 'JSONC (comments): refused'),
 ('json', 'devcontainers+templates', 'src/dotnet-mssql/devcontainer-template.json', 'tab indentation'),
 ('json', 'laravel+laravel', 'composer.json', 'empty objects and arrays'),
 ('json', 'symfony+demo', 'assets/controllers.json', 'nesting 5 deep, empty objects'),
 ('json', 'tsconfig+bases', 'bases/node24.json', ''),
 ('json', 'serverless+examples', 'aws-node-rest-api-typescript/tslint.json', 'CRLF, no final line break'),
 ('json', 'serverless+examples', 'aws-node-twilio-send-text-message/event.json', 'non-ASCII text'),
 ('json', 'serverless+examples', 'community-examples.json', 'a list at the top: refused'),
 ('json', 'spring-petclinic+spring-petclinic-microservices', 'docker/grafana/dashboards/grafana-petclinic-dashboard.json', 'Grafana dashboard: arrays of objects, floats, nulls'),
 ('json', 'motdotla+dotenv', 'package.json', ''),
 ('json', 'cfnlint', 'cfnlint/data/schemas/resources/2d34b35e0a077d21.json', '\\u escapes'),
 ('json', 'cfnlint', 'cfnlint/data/schemas/resources/0f275b33894abe0b.json', '\\u escapes of control characters'),
 ('json', 'cfnlint', 'cfnlint/data/schemas/resources/e3bbb844de16a6cb.json', 'integers beyond 2**53'),
 ('dotenv', 'laravel+laravel', '.env.example', 'comments, empty values, ${} references'),
 ('dotenv', 'motdotla+dotenv', 'tests/.env', "dotenv's own parser test: export, quotes, inline comments, empty values"),
 ('dotenv', 'motdotla+dotenv', 'tests/.env-multiline', 'multi-line quoted values; a backtick-quoted one python-dotenv reads as names without "=": refused'),
 ('dotenv', 'motdotla+dotenv', 'tests/.env.bom', 'byte order mark'),
 ('dotenv', 'bkeepers+dotenv', 'spec/fixtures/exported.env', 'export lines'),
 ('dotenv', 'bkeepers+dotenv', 'spec/fixtures/quoted.env', 'single and double quotes'),
 ('dotenv', 'bkeepers+dotenv', 'spec/fixtures/bom.env', 'byte order mark, no final line break'),
 ('dotenv', 'bkeepers+dotenv', 'spec/fixtures/yaml.env', 'YAML-style KEY: value lines: refused'),
 ('dotenv', 'symfony+demo', '.env', 'comments, empty values, inline comments'),
 ('dotenv', 'symfony+demo', '.env.test', "single quotes"),
 ('dotenv', 'devcontainers+templates', 'src/cpp-mariadb/.devcontainer/.env', 'no final line break'),
 ('dotenv', 'serverless+examples', 'azure-node-typescript-servicebus-trigger-endpoint/.env.dev', 'comments, no final line break'),
]
REPO = {'dotnet+eShop': 'dotnet/eShop', 'devcontainers+templates': 'devcontainers/templates', 'laravel+laravel': 'laravel/laravel',
        'symfony+demo': 'symfony/demo', 'tsconfig+bases': 'tsconfig/bases', 'serverless+examples': 'serverless/examples',
        'spring-petclinic+spring-petclinic-microservices': 'spring-petclinic/spring-petclinic-microservices',
        'motdotla+dotenv': 'motdotla/dotenv', 'bkeepers+dotenv': 'bkeepers/dotenv', 'cfnlint': 'aws-cloudformation/cfn-lint'}
manifest = json.loads((WT / 'MANIFEST.json').read_text())
manifest = [e for e in manifest if e.get('store', 'yaml') == 'yaml']
for store, mirror, path, note in PICKS:
    if mirror == 'cfnlint':
        data = (SITE / path).read_bytes(); commit = 'cfn-lint ' + next(SITE.glob('cfn_lint-*.dist-info')).name.split('-')[1].removesuffix('.dist-info')
    else:
        gd = f'/work/.mirror/{mirror}/repo'
        data = subprocess.run(['git', f'--git-dir={gd}', 'show', f'HEAD:{path}'], capture_output=True, check=True).stdout
        commit = subprocess.run(['git', f'--git-dir={gd}', 'rev-parse', 'HEAD'], capture_output=True, text=True, check=True).stdout.strip()
    repo = REPO[mirror]
    name = f"{store}/{repo.replace('/', '__')}__{path.replace('/', '__')}"
    (WT / name).parent.mkdir(exist_ok=True)
    (WT / name).write_bytes(data)
    text = data.decode('utf-8')
    entry = {'file': name, 'category': store, 'store': store, 'repo': repo, 'path': path, 'commit': commit,
             'license': LIC[repo], 'parses': 'refused' not in note, 'multi_document': False, 'crlf': '\r\n' in text,
             'final_newline': text.endswith('\n'), 'aliases': False, 'size': len(data),
             'features': sorted(f for f, on in (('bom', text.startswith('\ufeff')), ('tabs', '\n\t' in text),
                 ('unicode_escapes', bool(re.search(r'\\u[0-9a-fA-F]{4}', text))),
                 ('big_integers', bool(re.search(r'[:\[,]\s*-?\d{16,}', text))),
                 ('export', bool(re.search(r'^\s*export ', text, re.M))),
                 ('arrays_of_objects', bool(re.search(r'\[\s*\{', text)))) if on), 'documents': 1,
             'comment_lines': sum(1 for l in text.splitlines() if l.lstrip().startswith(('#', '//')))}
    if note: entry['note'] = note
    manifest.append(entry)
(WT / 'MANIFEST.json').write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + '\n')
print(len(manifest))
