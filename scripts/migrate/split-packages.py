#!/usr/bin/env python3
"""Package split for issue 15: moves concepts out of packages/plebnet into packages of their own and
rewrites every import. Idempotent on a tree where it already ran (nothing left to move).

Usage: split.py <repo root>
"""
import json
import os
import re
import subprocess
import sys
from collections import defaultdict, OrderedDict

ROOT = os.path.abspath(sys.argv[1])
os.chdir(ROOT)

# old path (file or folder) -> new path
MOVES = [
    ('packages/plebnet/src/identity/identity.ts', 'packages/base/src/identity/identity.ts'),
    ('packages/plebnet/src/identity/identity.test.ts', 'packages/base/src/identity/identity.test.ts'),
    ('packages/plebnet/src/identity/errors.ts', 'packages/base/src/identity/errors.ts'),
    ('packages/plebnet/src/identity/adapters', 'packages/base/src/identity/adapters'),
    ('packages/plebnet/src/ledger/ed25519.ts', 'packages/base/src/identity/ed25519.ts'),
    ('packages/plebnet/src/ledger/ed25519.test.ts', 'packages/base/src/identity/ed25519.test.ts'),
    ('packages/plebnet/src/ledger/bytes.ts', 'packages/base/src/identity/bytes.ts'),
    ('packages/plebnet/src/learning', 'packages/learning/src'),
    ('packages/plebnet/src/ledger', 'packages/ledger/src'),
    ('packages/plebnet/src/network', 'packages/overlay/src'),
    # tests that belong to the moved concepts
    ('packages/plebnet/test/integration/network-libp2p.test.ts', 'packages/overlay/test/integration/libp2p.test.ts'),
    (
        'packages/plebnet/test/integration/network-ledger-transport.test.ts',
        'packages/overlay/test/integration/ledger-transport.test.ts',
    ),
    ('packages/plebnet/test/slow/network-fleet.test.ts', 'packages/overlay/test/slow/fleet.test.ts'),
    ('packages/plebnet/test/slow/sybil-gossip.test.ts', 'packages/overlay/test/slow/sybil-gossip.test.ts'),
    ('packages/plebnet/test/slow/sybil-ledger.test.ts', 'packages/ledger/test/slow/sybil-ledger.test.ts'),
]

NEW_PACKAGES = {
    'learning': 'QD-learning: the genome, the Q-table and its trimmed consensus, rewards and offer choice.',
    'ledger': 'The TrustChain ledger: half-blocks, validation, the signing protocol and its stores.',
    'overlay': "The agents' overlay: the libp2p host, CYCLON peer sampling, signed gossip and direct messages.",
}

PKG_OF_DIR = {}  # packages/<name> -> @dolly/<name>


def pkg_of(path):
    parts = path.split('/')
    if len(parts) >= 2 and parts[0] == 'packages':
        return parts[1]
    return None


def git_files():
    out = subprocess.run(['git', 'ls-files', '-co', '--exclude-standard'], capture_output=True, text=True, check=True)
    return [f for f in out.stdout.splitlines() if os.path.exists(f)]


# 1. Build the file move map.
files = git_files()
move_map = {}
for f in files:
    for old, new in MOVES:
        if f == old or f.startswith(old + '/'):
            move_map[f] = new + f[len(old):]
            break

ts_files = [f for f in files if f.endswith('.ts') or f.endswith('.js') or f.endswith('.mts')]
ts_files = [f for f in ts_files if '/node_modules/' not in f and not f.startswith('node_modules/')]

IMPORT_RE = re.compile(
    r"""(?P<stmt>(?P<kw>import|export)\s+(?P<tkw>type\s+)?(?P<clause>[^;'"]*?)\s*from\s*'(?P<spec>[^']+)')""",
    re.S,
)
BARE_IMPORT_RE = re.compile(r"""import\s*'(?P<spec>\.[^']+)'""")
DYN_RE = re.compile(r"""(?P<pre>import\(|vi\.mock\(|vi\.importActual\()\s*'(?P<spec>\.[^']+)'""")


def new_path(p):
    return move_map.get(p, p)


def rel(from_file, to_file):
    r = os.path.relpath(to_file, os.path.dirname(from_file))
    if not r.startswith('.'):
        r = './' + r
    return r


def resolve(from_old, spec):
    return os.path.normpath(os.path.join(os.path.dirname(from_old), spec))


def parse_names(clause, type_kw):
    """Names of an import/export clause: list of (imported, local, is_type)."""
    clause = clause.strip()
    names = []
    default = None
    ns = None
    m = re.match(r'^\*\s+as\s+(\w+)$', clause)
    if m:
        return None, m.group(1), []
    if clause.startswith('{'):
        body = clause
    else:
        # default [, {..}] or default, * as ns
        parts = clause.split(',', 1)
        default = parts[0].strip()
        body = parts[1].strip() if len(parts) > 1 else ''
        m = re.match(r'^\*\s+as\s+(\w+)$', body)
        if m:
            ns = m.group(1)
            body = ''
    if body:
        inner = body.strip()[1:-1]
        for item in inner.split(','):
            item = item.strip()
            if not item:
                continue
            is_type = bool(type_kw)
            if item.startswith('type '):
                is_type = True
                item = item[5:].strip()
            if ' as ' in item:
                a, b = [x.strip() for x in item.split(' as ')]
            else:
                a = b = item
            names.append((a, b, is_type))
    if default or ns:
        raise ValueError(f'default/namespace import across packages: {clause}')
    return default, ns, names


# index exports per package
def index_exports(pkg):
    idx = f'packages/{pkg}/src/index.ts'
    if not os.path.exists(idx):
        return set(), []
    text = open(idx).read()
    names = set()
    stars = []
    for m in re.finditer(r"export\s+(type\s+)?\{([^}]*)\}", text):
        for item in m.group(2).split(','):
            item = item.strip()
            if not item:
                continue
            if item.startswith('type '):
                item = item[5:].strip()
            names.add(item.split(' as ')[-1].strip())
    for m in re.finditer(r"export\s+\*\s+as\s+(\w+)", text):
        names.add(m.group(1))
    for m in re.finditer(r"export\s+\*\s+from\s+'([^']+)'", text):
        stars.append(m.group(1))
    for m in re.finditer(r"export\s+(?:async\s+)?(?:function|const|class|interface|type|enum)\s+(\w+)", text):
        names.add(m.group(1))
    return names, stars


to_export = defaultdict(OrderedDict)  # pkg -> {name: (new module path, is_type)}
ns_exports = defaultdict(list)  # pkg -> [(alias, new module path)]
PLEB_INDEX = 'packages/plebnet/src/index.ts'
pleb_names = {}  # exported name -> old module path
if os.path.exists(PLEB_INDEX):
    for m in IMPORT_RE.finditer(open(PLEB_INDEX).read()):
        if m.group('kw') != 'export' or not m.group('spec').startswith('.'):
            continue
        target = resolve(PLEB_INDEX, m.group('spec'))
        clause = m.group('clause').strip()
        mm = re.match(r'^\*\s+as\s+(\w+)$', clause)
        if mm:
            pleb_names[mm.group(1)] = (target, 'ns')
            continue
        _, _, names = parse_names(clause, m.group('tkw'))
        for a, b, t in names:
            pleb_names[b] = (target, a)
cross_count = defaultdict(int)
new_texts = {}
ext_deps = defaultdict(set)  # pkg -> bare module names used
sub_exports = defaultdict(OrderedDict)  # pkg -> {'./sub': './src/sub.ts'} for lazy imports across packages

for f in ts_files:
    text = open(f).read()
    nf = new_path(f)
    my_pkg = pkg_of(nf)
    merged = defaultdict(list)  # target pkg -> [(kw, imported, local, is_type)]
    first_pos = {}
    placed = set()

    def repl(m):
        spec = m.group('spec')
        if spec == '@dolly/plebnet' and f != PLEB_INDEX:
            kw = m.group('kw')
            _, _, names = parse_names(m.group('clause'), m.group('tkw'))
            keep = []
            for a, b, is_type in names:
                src = pleb_names.get(a)
                tpkg = pkg_of(new_path(src[0])) if src is not None else 'plebnet'
                if tpkg == 'plebnet':
                    keep.append((a, b, is_type))
                    continue
                if src[1] == 'ns':
                    ns_exports[tpkg].append((a, new_path(src[0])))
                else:
                    to_export[tpkg].setdefault(src[1], (new_path(src[0]), is_type))
                    if not is_type:
                        to_export[tpkg][src[1]] = (new_path(src[0]), False)
                if tpkg != my_pkg:
                    merged[(kw, tpkg)].append((src[1] if src[1] != 'ns' else a, b, is_type))
                else:
                    raise ValueError(f'{f}: imports its own package through @dolly/plebnet: {a}')
            emitted = []
            for (k2, tp) in list(merged):
                if k2 == kw and (k2, tp) not in first_pos:
                    first_pos[(k2, tp)] = True
                    emitted.append(f'@@MERGED:{kw}:{tp}@@')
            if not keep:
                return '\n'.join(emitted) if emitted else '@@DROP@@'
            placeholders = ''.join(e + '\n' for e in emitted)
            items = ', '.join(((f'type {a}' if t and not m.group('tkw') else a) if a == b else f'{a} as {b}') for a, b, t in keep)
            head = f"{kw} type" if m.group('tkw') else kw
            return placeholders + f"{head} {{ {items} }} from '@dolly/plebnet'"
        if not spec.startswith('.'):
            base = spec.split('/')[0] if not spec.startswith('@') else '/'.join(spec.split('/')[:2])
            if not base.startswith('node:') and my_pkg is not None:
                ext_deps[my_pkg].add(base)
            return m.group(0)
        target_old = resolve(f, spec)
        if not os.path.exists(target_old):
            # maybe already a moved target path relative to the new location (idempotence)
            return m.group(0)
        target_new = new_path(target_old)
        tpkg = pkg_of(target_new)
        if tpkg == my_pkg or tpkg is None or my_pkg is None or '/src/' not in target_new:
            return m.group(0).replace(f"'{spec}'", f"'{rel(nf, target_new)}'")
        # Cross-package: through the target's index.
        kw = m.group('kw')
        if f == PLEB_INDEX and kw == 'export':
            clause = m.group('clause').strip()
            mm = re.match(r'^\*\s+as\s+(\w+)$', clause)
            if mm:
                ns_exports[tpkg].append((mm.group(1), target_new))
            return '@@DROP@@'
        _, _, names = parse_names(m.group('clause'), m.group('tkw'))
        for a, b, is_type in names:
            to_export[tpkg].setdefault(a, (target_new, is_type))
            if not is_type:
                to_export[tpkg][a] = (target_new, False)
            merged[(kw, tpkg)].append((a, b, is_type))
        cross_count[(my_pkg, tpkg)] += 1
        key = (kw, tpkg)
        if key not in first_pos:
            first_pos[key] = True
            return f'@@MERGED:{kw}:{tpkg}@@'
        return '@@DROP@@'

    out = IMPORT_RE.sub(repl, text)

    def dyn(m):
        spec = m.group('spec')
        target_old = resolve(f, spec)
        if not os.path.exists(target_old):
            return m.group(0)
        target_new = new_path(target_old)
        tpkg = pkg_of(target_new)
        if tpkg != my_pkg:
            # A lazy import across packages goes through a sub-path export, so it loads that module
            # alone, not the package's whole index (the point of making it lazy).
            sub = target_new.split('/src/', 1)[1]
            if not sub.endswith('.ts'):
                raise ValueError(f'{f}: dynamic import across packages of a non-module: {spec}')
            sub = sub[: -len('.ts')]
            sub_exports[tpkg][f'./{sub}'] = f'./src/{sub}.ts'
            return f"{m.group('pre')}'@dolly/{tpkg}/{sub}'"
        return f"{m.group('pre')}'{rel(nf, target_new)}'"

    out = DYN_RE.sub(dyn, out)
    out = BARE_IMPORT_RE.sub(lambda m: m.group(0), out)
    for (kw, tpkg), names in merged.items():
        seen = OrderedDict()
        for a, b, is_type in names:
            k = (a, b)
            seen[k] = seen.get(k, True) and is_type
        all_type = all(t for t in seen.values())
        items = []
        for (a, b), t in seen.items():
            s = a if a == b else f'{a} as {b}'
            items.append(s if (all_type or not t) else f'type {s}')
        head = f'{kw} type' if all_type else kw
        stmt = f"{head} {{ {', '.join(items)} }} from '@dolly/{tpkg}'"
        out = out.replace(f'@@MERGED:{kw}:{tpkg}@@', stmt, 1)
    out = re.sub(r'@@DROP@@;?[ \t]*\n?', '', out)
    if out != text or nf != f:
        new_texts[f] = out

# 2. Write files at their new places.
for f, nf in move_map.items():
    os.makedirs(os.path.dirname(nf), exist_ok=True)
    subprocess.run(['git', 'mv', f, nf], check=True)
for f, out in new_texts.items():
    with open(new_path(f), 'w') as fh:
        fh.write(out)

# 3. Package manifests for the new packages.
root_pkg = json.load(open('packages/plebnet/package.json'))
versions = dict(root_pkg.get('dependencies', {}))
for name, desc in NEW_PACKAGES.items():
    p = f'packages/{name}/package.json'
    manifest = {
        'name': f'@dolly/{name}',
        'version': '0.1.0',
        'private': True,
        'type': 'module',
        'description': desc,
        'exports': {'.': './src/index.ts'},
        'dependencies': {},
    }
    if os.path.exists(p):
        manifest = json.load(open(p))
    manifest['exports'] = {**manifest['exports'], **sub_exports.get(name, {})}
    json.dump(manifest, open(p, 'w'), indent=2)
    open(p, 'a').write('\n')

# 4. Index exports the other packages need.
for pkg, names in to_export.items():
    idx = f'packages/{pkg}/src/index.ts'
    existing, _ = index_exports(pkg)
    lines = []
    by_mod = defaultdict(list)
    for name, (mod, is_type) in names.items():
        if name in existing:
            continue
        by_mod[mod].append((name, is_type))
    if not by_mod:
        continue
    if not os.path.exists(idx):
        lines.append(f"/** @dolly/{pkg} — {NEW_PACKAGES.get(pkg, '')} */\n")
    for mod, ns in sorted(by_mod.items()):
        items = ', '.join((f'type {n}' if t else n) for n, t in sorted(ns))
        lines.append(f"export {{ {items} }} from '{rel(idx, mod)}'\n")
    with open(idx, 'a') as fh:
        fh.writelines(lines)

for pkg, items in ns_exports.items():
    idx = f'packages/{pkg}/src/index.ts'
    text = open(idx).read() if os.path.exists(idx) else ''
    with open(idx, 'a') as fh:
        for alias, mod in OrderedDict.fromkeys(items):
            if f'as {alias} ' not in text:
                fh.write(f"export * as {alias} from '{rel(idx, mod)}'\n")
                text += f'as {alias} '
for (a, b), n in sorted(cross_count.items()):
    print(f'{a} -> {b}: {n} import statements')
for pkg, names in to_export.items():
    print(f'{pkg}: {len(names)} names used from outside')

# 5. Fix-ups the general rewrite cannot know.
def patch(path, old, new, required=True):
    if not os.path.exists(path):
        return
    text = open(path).read()
    if old not in text:
        if required and new not in text:
            raise ValueError(f'{path}: expected {old!r}')
        return
    open(path, 'w').write(text.replace(old, new))


BID = 'packages/base/src/identity'
# Inside @dolly/base, modules import each other by path, not by the package name.
patch(f'{BID}/identity.ts', "import type { Rng } from '@dolly/base'", "import type { Rng } from '../rng.ts'")
patch(f'{BID}/adapters/identity-file.ts', "import type { Rng } from '@dolly/base'", "import type { Rng } from '../../rng.ts'")
patch(
    f'{BID}/errors.ts',
    "import { DollyError, EXIT, type ExitStatusMap } from '@dolly/base'",
    "import { DollyError } from '../errors.ts'\nimport { EXIT, type ExitStatusMap } from '../exit-status.ts'",
)
patch(f'{BID}/identity.test.ts', "import { createSeededRng } from '@dolly/base'", "import { createSeededRng } from '../rng.ts'")
patch(f'{BID}/ed25519.test.ts', "import { createSeededRng } from '@dolly/base'", "import { createSeededRng } from '../rng.ts'")
# Key and signature sizes are Ed25519's, not the ledger's: the identity owns them, the ledger re-exports.
patch(
    f'{BID}/ed25519.ts',
    "import { PUBLIC_KEY_BYTES, SIGNATURE_BYTES } from '@dolly/ledger'\n",
    "\n/** Bytes of an Ed25519 public key. */\nexport const PUBLIC_KEY_BYTES = 32\n/** Bytes of an Ed25519 signature. */\nexport const SIGNATURE_BYTES = 64\n",
)

# 7. Exit statuses: the identity's codes are base's now; the new packages' codes are plebnet's.
patch(
    'packages/cloudomate/src/cli/exit-status.ts',
    "import { BASE_EXIT_STATUS, type ExitStatusMap } from '@dolly/base'",
    "import { BASE_EXIT_STATUS, IDENTITY_EXIT_STATUS, type ExitStatusMap } from '@dolly/base'",
)
patch('packages/cloudomate/src/cli/exit-status.ts', '  ...BASE_EXIT_STATUS,\n', '  ...BASE_EXIT_STATUS,\n  ...IDENTITY_EXIT_STATUS,\n')
T = 'packages/world/test/exit-status.test.ts'
patch(
    T,
    "for (const p of ['base', 'wallet', 'cloudomate', 'plebnet', 'world']) expect(pkgs).toContain(p)",
    "for (const p of ['base', 'wallet', 'cloudomate', 'learning', 'ledger', 'overlay', 'plebnet', 'world'])\n      expect(pkgs).toContain(p)",
)
patch(
    T,
    "for (const c of codesOf('base', 'wallet', 'cloudomate', 'plebnet'))",
    "for (const c of codesOf('base', 'wallet', 'cloudomate', 'learning', 'ledger', 'overlay', 'plebnet'))",
)
patch(
    T,
    "for (const c of codesOf('base', 'wallet', 'plebnet', 'world'))",
    "for (const c of codesOf('base', 'wallet', 'learning', 'ledger', 'overlay', 'plebnet', 'world'))",
)

# 8. Docs: each package's README at its root; paths in the README.
for pkg in ('ledger', 'overlay'):
    src_readme = f'packages/{pkg}/src/README.md'
    if os.path.exists(src_readme):
        subprocess.run(['git', 'mv', src_readme, f'packages/{pkg}/README.md'], check=True)
patch(
    'packages/ledger/src/vectors/half-block-vectors.json',
    'packages/plebnet/src/ledger/vectors/produce.py',
    'packages/ledger/src/vectors/produce.py',
    required=False,
)
patch(
    'README.md',
    "- `packages/plebnet/test/slow/sybil-gossip.test.ts`, `sybil-ledger.test.ts` — 10,000 fresh",
    "- `packages/overlay/test/slow/sybil-gossip.test.ts`, `packages/ledger/test/slow/sybil-ledger.test.ts` — 10,000 fresh",
)
OLD_LAYOUT = """  plebnet/     the agent + `plebnet` CLI: learning, strategies, ledger, network, replication,
               lifecycle (the tick), daemon and status API (peers see only its public part:
               src/daemon/README.md)
"""
NEW_LAYOUT = """  learning/    QD-learning: genome, Q-table, trimmed consensus of gossiped tables, reward, offer choice
  ledger/      TrustChain: half-blocks, validation, the signing protocol, bandwidth tokens (README)
  overlay/     the agents' network: libp2p host, CYCLON, signed gossip, direct messages (README)
  plebnet/     the agent (`createAgent`, built from ports) + `plebnet` CLI: lifecycle (the tick),
               replication, strategies, daemon and status API (peers see only its public part:
               src/daemon/README.md)
"""
patch('README.md', OLD_LAYOUT, NEW_LAYOUT)
patch(
    'README.md',
    "  base/        Clock (system, scaled, virtual), Rng (crypto, seeded), Logger (pino, redacting),\n               DollyError, bigint-satoshi money, the shared CLI conventions\n",
    "  base/        Clock (system, scaled, virtual), Rng (crypto, seeded), Logger (pino, redacting),\n               DollyError, bigint-satoshi money, the Ed25519 identity, the shared CLI conventions\n",
)


def manifests():
    # dependencies of every package from what it imports
    all_versions = {}
    for d in os.listdir('packages'):
        mp = f'packages/{d}/package.json'
        if os.path.exists(mp):
            m = json.load(open(mp))
            all_versions[m['name']] = m.get('version', '0.1.0')
            all_versions.update(m.get('dependencies', {}))
    for d in os.listdir('packages'):
        mp = f'packages/{d}/package.json'
        if not os.path.exists(mp):
            continue
        m = json.load(open(mp))
        deps = dict(m.get('dependencies', {}))
        # recompute from imports in src only for packages we changed
        used = set()
        for f in git_files():
            if f.startswith(f'packages/{d}/') and f.endswith('.ts') and '/test/' not in f and not f.endswith('.test.ts'):
                for mm in re.finditer(r"""from\s*'([^'.][^']*)'|import\(\s*'([^'.][^']*)'\s*\)""", open(f).read()):
                    spec = mm.group(1) or mm.group(2)
                    if spec.startswith('node:'):
                        continue
                    base = '/'.join(spec.split('/')[:2]) if spec.startswith('@') else spec.split('/')[0]
                    used.add(base)
        used.discard(m['name'])
        for u in sorted(used):
            if u not in deps and u in all_versions:
                deps[u] = all_versions[u]
        if d in NEW_PACKAGES or d == 'plebnet' or d == 'base':
            deps = {k: v for k, v in deps.items() if k in used}
        m['dependencies'] = dict(sorted(deps.items()))
        json.dump(m, open(mp, 'w'), indent=2)
        open(mp, 'a').write('\n')



manifests()

# 6. Format what changed.
changed = subprocess.run(['git', 'status', '--porcelain'], capture_output=True, text=True, check=True).stdout
paths = []
for line in changed.splitlines():
    p = line[3:].split(' -> ')[-1]
    if p.endswith(('.ts', '.json', '.js')) and os.path.exists(p) and p != 'package-lock.json':
        paths.append(p)
if paths:
    subprocess.run(['npx', 'prettier', '--write', '--log-level', 'warn', *paths], check=True)



# 9. The layering test.
import shutil
shutil.copy(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'package-layers.test.ts'), 'packages/world/test/package-layers.test.ts')
