"""Drive sealfile's library over a corpus: seal, decrypt, set/unset/rotate/recipients add; compare with ruamel 1.2."""
import io, json, math, os, random, re, sys, traceback, copy, datetime
from pathlib import Path
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from workdir import take_workdir
WORK = take_workdir(sys.argv)
KEYF = WORK / "key.txt"
os.environ.setdefault("SEALFILE_AGE_KEY_FILE", str(KEYF))
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from sealfile.kms.age import AgeKey, generate_identity
from sealfile.stores import get_store
from sealfile.ops.seal import seal_text
from sealfile.ops.read import decrypt_text
from sealfile.ops.change import set_value, unset_value, rotate, change_recipients, reseal_edited
from sealfile.errors import SealfileError
from dotenv import dotenv_values

if not KEYF.exists():
    i, r = generate_identity(); KEYF.write_text(f"# public key: {r}\n{i}\n"); KEYF.chmod(0o600)
RECIP = [l.split(": ")[1] for l in KEYF.read_text().splitlines() if l.startswith("# public key")][0]
i2, r2 = generate_identity()
KEY, KEY2 = AgeKey(RECIP), AgeKey(r2)

def kind(name):
    if name.endswith(".json"): return "json"
    if ".env" in name.split("__")[-1]: return "dotenv"
    return "yaml"

def ref_load(text, k):
    if k == "json": return json.loads(text)
    if k == "dotenv": return dict(dotenv_values(stream=io.StringIO(text), interpolate=False))  # as sealfile reads it
    docs = list(YAML(typ="safe", pure=True).load_all(text))
    return docs

def rt_load(text):
    docs = list(YAML(typ="rt").load_all(text))
    return docs

def same(a, b):
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a.keys()) == list(b.keys()) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and math.isnan(a): return math.isnan(b)
    return a == b

def kp(path):
    return "".join(f"[{json.dumps(s)}]" for s in path)

def walk(node, path, out, flow=False):
    """(path, node, kind, flowstyle) for each container and leaf; keys str only."""
    if isinstance(node, dict):
        fs = getattr(node, "fa", None)
        f = bool(fs and fs.flow_style()) or flow
        out.append((path, node, "map", f))
        for k, v in node.items():
            if not isinstance(k, str): continue
            walk(v, path + (k,), out, f)
    elif isinstance(node, list):
        fs = getattr(node, "fa", None)
        f = bool(fs and fs.flow_style()) or flow
        out.append((path, node, "seq", f))
        for i, v in enumerate(node):
            walk(v, path + (i,), out, f)
    else:
        out.append((path, node, "leaf", flow))

def getp(tree, path):
    for s in path: tree = tree[s]
    return tree

def plain(x):
    return x

def edits_for(text, k, rnd):
    """list of (name, op, path, value) with the reference transform."""
    if k == "dotenv":
        data = ref_load(text, k)
        keys = [x for x in data if data[x] is not None]
        out = [("set-new-top", "set", ("SF_NEW_KEY",), "sfvalue")]
        if keys:
            out.append(("set-existing", "set", (rnd.choice(keys),), "sf-changed"))
            out.append(("set-existing-any", "set", (rnd.choice(keys),), "sf changed #2"))
            out.append(("set-first-key", "set", (keys[0],), "sf-first"))
            out.append(("set-last-key", "set", (keys[-1],), "sf-last"))
            multi = [x for x in keys if "\n" in data[x]]
            if multi: out.append(("set-multiline", "set", (rnd.choice(multi),), "one\ntwo"))
            out.append(("unset-leaf", "unset", (rnd.choice(keys),), None))
            out.append(("unset-first-key", "unset", (keys[0],), None))
            out.append(("unset-last-key", "unset", (keys[-1],), None))
        return out, data
    if k == "json":
        tree = json.loads(text); root = tree; items = []
        walk(tree, (), items)
    else:
        docs = rt_load(text)
        if len(docs) != 1:
            items = []
            for d, doc in enumerate(docs):
                walk(doc, (d,), items)
            root = docs
        else:
            root = docs[0]; items = []; walk(root, (), items)
    out = []
    leaves = [(p, n, f) for p, n, kd, f in items if kd == "leaf" and p]
    maps = [(p, n, f) for p, n, kd, f in items if kd == "map"]
    seqs = [(p, n, f) for p, n, kd, f in items if kd == "seq"]
    strleaves = [x for x in leaves if isinstance(x[1], str) and isinstance(x[0][-1], str)]
    if strleaves:
        out.append(("set-existing", "set", rnd.choice(strleaves)[0], "sf-changed"))
    anyleaves = [x for x in leaves if isinstance(x[0][-1], str)]
    if anyleaves:
        out.append(("set-existing-any", "set", rnd.choice(anyleaves)[0], "sf-changed2"))
    if isinstance(root, dict):
        out.append(("set-new-top", "set", ("sfnewtop",), "sfvalue"))
    bm = [x for x in maps if x[0] and not x[2] and not (isinstance(root, list) and len(x[0]) == 1 and k == "yaml" and len(docs) > 1 and False)]
    if bm: out.append(("set-new-nested-block", "set", rnd.choice(bm)[0] + ("sfnewkey",), "sfvalue"))
    fm = [x for x in maps if x[0] and x[2]]
    if fm: out.append(("set-new-nested-flow", "set", rnd.choice(fm)[0] + ("sfnewkey",), "sfvalue"))
    bs = [x for x in seqs if x[0] and not x[2]]
    if bs:
        p, n, _ = rnd.choice(bs); out.append(("append-block-seq", "set", p + (len(n),), "sfitem"))
    fs = [x for x in seqs if x[0] and x[2]]
    if fs:
        p, n, _ = rnd.choice(fs); out.append(("append-flow-seq", "set", p + (len(n),), "sfitem"))
    nulls = [x for x in leaves if x[1] is None and isinstance(x[0][-1], str)]
    if nulls: out.append(("set-under-null", "set", rnd.choice(nulls)[0] + ("sfchild",), "sfvalue"))
    if nulls: out.append(("append-under-null", "set", rnd.choice(nulls)[0] + (0,), "sfitem"))
    items_maps = [x for x in maps if x[0] and isinstance(x[0][-1], int) and not x[2]]
    if items_maps: out.append(("set-new-in-item", "set", rnd.choice(items_maps)[0] + ("sfnewkey",), "sfvalue"))
    emp = [x for x in maps + seqs if x[0] and not x[1]]
    if emp:
        p, n, _ = rnd.choice(emp); out.append(("set-into-empty", "set", p + (("sfk",) if isinstance(n, dict) else (0,)), "sfvalue"))
    if anyleaves: out.append(("unset-leaf", "unset", rnd.choice(anyleaves)[0], None))
    seqitems = [x for x in items if x[0] and isinstance(x[0][-1], int) and not (len(x[0]) == 1 and k == "yaml" and len(rt_load(text)) > 1)]
    if seqitems: out.append(("unset-list-item", "unset", rnd.choice(seqitems)[0], None))
    sub = [x for x in maps + seqs if len(x[0]) >= 1 and isinstance(x[0][-1], str)]
    if sub: out.append(("unset-subtree", "unset", rnd.choice(sub)[0], None))
    firsts = [x for x in items if x[0] and isinstance(x[0][-1], str) and isinstance(getp(root, x[0][:-1]), dict) and next(iter(getp(root, x[0][:-1]))) == x[0][-1]]
    if firsts: out.append(("unset-first-key", "unset", rnd.choice(firsts)[0], None))
    return out, None

def apply_ref(data, op, path, value, k, multi):
    data = copy.deepcopy(data)
    if k == "yaml" and not multi:
        data = data[0]
    parent = data
    for s in path[:-1]: parent = parent[s]
    last = path[-1]
    if op == "set" and parent is None:  # a null parent becomes a mapping, `a[0]` there key 0 (docs/format.md)
        parent = {}
        grand = data
        for s in path[:-2]: grand = grand[s]
        grand[path[-2]] = parent
    if op == "set":
        if isinstance(parent, list) and last == len(parent): parent.append(value)
        else: parent[last] = value
    else:
        del parent[last]
    return data

def reload(text, k, multi):
    d = ref_load(text, k)
    if k == "yaml" and not multi: return d[0] if d and d[0] is not None else {}
    return d

TV = ["a: b", "#x", "- x", "true", "", " lead", "trail ", "'q\"", "null", "@at", "*star", "{x}", "[y]", "%pct", "`b",
      "line1\nline2", "line1\nline2\n", "tab\there", "ünï ☃", "0o17", "1e3", "~", "x #y", "? q", "|", ">-", "---", "...",
      "a\\b", "\u0007bell", "  two\n  lines  \n\n", "=eq", "$VAR", "${X}", "c:\\path", "\r\nwin"]
TK = ["new key", "a: b", "#k", "-k", "1", "true", "null", "k.dot", "ü", "", "k\"q", "[b]", "*a", "&x", "!t", "%p", "@x", "k: ", "0x1F"]
TS = [{"x": [1, "two", {"y": None}]}, [], {}, ["a", {"b": "c"}], {"m": {"n": "o: p"}}]

def tricky(eds, rnd, k):
    out = []
    for ename, op, path, value in eds:
        if op != "set":
            out.append((ename, op, path, value)); continue
        v = rnd.choice(TV)
        if k == "dotenv":
            v = v.replace("\u0007", "")
        if ename.startswith("set-new") and k != "dotenv":
            path = path[:-1] + (rnd.choice(TK),)
        out.append((ename + "+tricky", op, path, v))
        if k != "dotenv":
            out.append((ename + "+subtree", op, path, copy.deepcopy(rnd.choice(TS))))
    return out

def touched(old, new):
    """(lines removed, lines added) between two texts, common leading and trailing lines taken off."""
    a, b = old.splitlines(True), new.splitlines(True)
    p = 0
    while p < min(len(a), len(b)) and a[p] == b[p]: p += 1
    q = 0
    while q < min(len(a), len(b)) - p and a[-1 - q] == b[-1 - q]: q += 1
    return len(a) - p - q, len(b) - p - q

MARK = re.compile(r'"sealfile"\s*:|# sealfile metadata|^sealfile:', re.M)

def data_part(sealed):
    """The sealed text before its metadata (JSON member, spaced as the file is; dotenv header; YAML block)."""
    found = list(MARK.finditer(sealed))
    return sealed[:found[-1].start()] if found else sealed

def main(files, log):
    rnd0 = random.Random(36)
    stats = {"files": 0, "edits": 0}
    with open(log, "a") as out:
        def rec(**kw): out.write(json.dumps(kw) + "\n"); out.flush()
        for f in files:
            name = Path(f).name; k = kind(str(f))
            store = get_store(k)
            try: text = Path(f).read_bytes().decode("utf-8")
            except UnicodeDecodeError: rec(file=f, stage="utf8", ok=False); continue
            stats["files"] += 1
            try:
                ref = ref_load(text, k)
            except Exception as e:
                ref = None; referr = type(e).__name__
            multi = k == "yaml" and ref is not None and len(ref) != 1
            try:
                sealed = seal_text(text, [KEY], store=store)
            except SealfileError as e:
                rec(file=f, stage="seal", ok=False, refused=True, ref_ok=ref is not None, err=str(e)); continue
            except Exception as e:
                rec(file=f, stage="seal", ok=False, crash=True, err=f"{type(e).__name__}: {e}", tb=traceback.format_exc()[-800:]); continue
            if ref is None:
                rec(file=f, stage="seal", ok=False, accepted_invalid=True, err=referr)
            try:
                back = decrypt_text(sealed, store=store)
                if back != text: rec(file=f, stage="roundtrip", ok=False); continue
            except Exception as e:
                rec(file=f, stage="decrypt", ok=False, err=f"{type(e).__name__}: {e}", tb=traceback.format_exc()[-800:]); continue
            if ref is None: continue
            rnd = random.Random(name)
            try: eds, _ = edits_for(text, k, rnd)
            except Exception as e:
                rec(file=f, stage="plan", ok=False, err=repr(e)); continue
            if os.environ.get("TRICKY"):
                eds = tricky(eds, rnd, k)
            if os.environ.get("ONLY"):
                eds = [e for e in eds if e[0] in os.environ["ONLY"].split(",")]
            for ename, op, path, value in eds:
                stats["edits"] += 1
                keypath = kp(path)
                try:
                    res = set_value(sealed, keypath, value, store=store) if op == "set" else unset_value(sealed, keypath, store=store)
                    got = decrypt_text(res, store=store)
                except SealfileError as e:
                    rec(file=f, edit=ename, keypath=keypath, ok=False, refused=True, err=str(e)); continue
                except Exception as e:
                    rec(file=f, edit=ename, keypath=keypath, ok=False, crash=True, err=f"{type(e).__name__}: {e}", tb=traceback.format_exc()[-1200:]); continue
                try:
                    exp = apply_ref(ref, op, path, value, k, multi)
                    act = reload(got, k, multi)
                    good = same(exp, act)
                except Exception as e:
                    rec(file=f, edit=ename, keypath=keypath, ok=False, badtext=True, err=f"{type(e).__name__}: {e}"); continue
                p = 0
                while p < min(len(text), len(got)) and text[p] == got[p]: p += 1
                s = 0
                while s < min(len(text), len(got)) - p and text[-1 - s] == got[-1 - s]: s += 1
                removed = text[p:len(text) - s]; added = got[p:len(got) - s]
                rec(file=f, edit=ename, keypath=keypath, ok=good, wrongdata=not good, removed=removed[:300], added=added[:300], nremoved=len(removed),
                    plain_lines=touched(text, got), sealed_lines=touched(data_part(sealed), data_part(res)))
                stats["edits"] += 1  # the same change made as `sealfile edit` makes it: the whole edited plaintext re-sealed
                try:
                    res2 = reseal_edited(sealed, got, store=store)
                    got2 = decrypt_text(res2, store=store)
                    rec(file=f, edit=ename + "/edit", keypath=keypath, ok=got2 == got, exact=got2 == got,
                        plain_lines=touched(text, got), sealed_lines=touched(data_part(sealed), data_part(res2)))
                except SealfileError as e:
                    rec(file=f, edit=ename + "/edit", keypath=keypath, ok=False, refused=True, err=str(e))
                except Exception as e:
                    rec(file=f, edit=ename + "/edit", keypath=keypath, ok=False, crash=True, err=f"{type(e).__name__}: {e}", tb=traceback.format_exc()[-1200:])
            for ename, fn in () if os.environ.get("ONLY") else (("rotate", lambda: rotate(sealed, store=store)),
                              ("recipients-add", lambda: change_recipients(sealed, add=[KEY2], store=store).text)):
                stats["edits"] += 1
                try:
                    res = fn()
                    ok = decrypt_text(res, store=store) == text
                    rec(file=f, edit=ename, ok=ok)
                except Exception as e:
                    rec(file=f, edit=ename, ok=False, err=f"{type(e).__name__}: {e}", tb=traceback.format_exc()[-800:])
    print(stats)

def file_args(args):
    """FILES, where `@LIST` names a file holding one path a line (paths may hold spaces)."""
    return [x for a in args for x in (Path(a[1:]).read_text().splitlines() if a.startswith("@") else [a])]

if __name__ == "__main__":
    main(file_args(sys.argv[2:]), sys.argv[1])
