"""Drive the real CLI (subprocess) on a sample: every command succeeds with right data or fails in one line, file unchanged.

`EDITS=N` keeps N of each file's edits (chosen by the file's seeded random; all by default); `TRICKY=1` uses the
harness's awkward values. The data after a command is read back in-process (the CLI's `decrypt` runs once a file).
"""
import json, os, random, shutil, subprocess, sys, tempfile, traceback
from pathlib import Path
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as H
PY = [sys.executable, "-m", "sealfile"]
ENV = dict(os.environ, PYTHONPATH=os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src")), SEALFILE_AGE_KEY_FILE=str(H.KEYF))
BAD = {"yaml": "a: [\n", "json": "{\n", "dotenv": ""}
"""What the editor leaves for `edit-invalid`: a text the file's syntax cannot read (dotenv reads anything, so an
emptied file, refused by design)."""

def run(args, cwd, **env):
    return subprocess.run(PY + args, cwd=cwd, env=dict(ENV, **env), capture_output=True)

def refusal(r, p, before):
    """The fields that tell a one-line refusal leaving the file as it was."""
    err = r.stderr.decode()
    return dict(rc=r.returncode, lines=len(err.strip().splitlines()), err=err[:300], unchanged=p.read_bytes() == before)

def plan(text, k, name):
    rnd = random.Random(name)
    eds, _ = H.edits_for(text, k, rnd)
    if os.environ.get("TRICKY"):
        eds = H.tricky(eds, rnd, k)
    if os.environ.get("EDITS") and len(eds) > int(os.environ["EDITS"]):
        eds = rnd.sample(eds, int(os.environ["EDITS"]))
    return eds

def one(f, out):
    def rec(**kw): out.write(json.dumps(kw) + "\n"); out.flush()
    base = Path(f).name.split("__")[-1]
    k = H.kind(f)
    store = H.get_store(k)
    text = Path(f).read_bytes()
    d = Path(tempfile.mkdtemp(dir=H.WORK / "cli"))
    p = d / base
    p.write_bytes(text)
    typ = [] if base.endswith((".json", ".yaml", ".yml")) or base.startswith(".env") else ["--input-type", k]
    r = run(["encrypt", "-i", "--age", H.RECIP, base] + typ, d)
    if r.returncode != 0:
        rec(file=f, cmd="encrypt", **refusal(r, p, text))
        shutil.rmtree(d); return
    r = run(["decrypt", base] + typ, d)
    rec(file=f, cmd="decrypt", rc=r.returncode, exact=r.stdout == text, err=r.stderr.decode()[:300])
    try:
        ref = H.ref_load(text.decode(), k)
    except Exception as e:  # sealfile sealed what the reference reader refuses: recorded, not compared
        rec(file=f, cmd="refload", rc=0, dataok=f"{type(e).__name__}: {str(e)[:200]}")
        shutil.rmtree(d); return
    multi = k == "yaml" and len(ref) != 1
    sealed = p.read_bytes()
    for ename, op, path, value in plan(text.decode(), k, Path(f).name):
        p.write_bytes(sealed)
        vtext = value if isinstance(value, str) else json.dumps(value)
        typed = [] if isinstance(value, str) else ["--type", "yaml"]  # a subtree, written as JSON (which YAML reads)
        # options before `--`: after it they would be read as more arguments
        args = ["set", *typed, *typ, base, H.kp(path), "--", vtext] if op == "set" else ["unset", *typ, base, H.kp(path)]
        r = run(args, d)
        if r.returncode != 0:
            rec(file=f, cmd=ename, keypath=H.kp(path), **refusal(r, p, sealed))
            continue
        try:
            got = H.decrypt_text(p.read_text(), store=store)
            ok = H.same(H.apply_ref(ref, op, path, value, k, multi), H.reload(got, k, multi))
        except Exception as e:
            got, ok = None, f"{type(e).__name__}: {str(e)[:200]}"
        rec(file=f, cmd=ename, keypath=H.kp(path), rc=0, dataok=ok)
        if got is None:
            continue
        # the same change through `sealfile edit`: an "editor" that writes the plaintext `set` gave
        p.write_bytes(sealed)
        wanted = d / "wanted.txt"
        wanted.write_text(got)
        r3 = run(["edit", base] + typ, d, VISUAL="", EDITOR=f"cp {wanted}")
        if r3.returncode != 0:
            rec(file=f, cmd=ename + "/edit", keypath=H.kp(path), **refusal(r3, p, sealed))
            continue
        got2 = H.decrypt_text(p.read_text(), store=store)
        rec(file=f, cmd=ename + "/edit", keypath=H.kp(path), rc=0, exact=got2 == got,
            sealed_lines=H.touched(H.data_part(sealed.decode()), H.data_part(p.read_text())))
    edit_refusals(f, d, p, base, typ, k, sealed, rec)
    for ename, args in (("rotate", ["rotate", base]), ("recipients-add", ["recipients", "add", "--age", H.r2, base])):
        p.write_bytes(sealed)
        r = run(args + typ, d)
        if r.returncode != 0:
            rec(file=f, cmd=ename, **refusal(r, p, sealed)); continue
        rec(file=f, cmd=ename, rc=0, exact=H.decrypt_text(p.read_text(), store=store) == text.decode())
    shutil.rmtree(d)

def edit_refusals(f, d, p, base, typ, k, sealed, rec):
    """`edit` whose editor leaves an unreadable text (refused) and one that changes nothing (file untouched)."""
    p.write_bytes(sealed)
    bad = d / "bad.txt"
    bad.write_text(BAD[k])
    r = run(["edit", base] + typ, d, VISUAL="", EDITOR=f"cp {bad}")
    rec(file=f, cmd="edit-invalid", **refusal(r, p, sealed))
    r = run(["edit", base] + typ, d, VISUAL="", EDITOR="true")
    rec(file=f, cmd="edit-noop", rc=r.returncode, err=r.stderr.decode()[:300], exact=p.read_bytes() == sealed)

if __name__ == "__main__":
    os.makedirs(H.WORK / "cli", exist_ok=True)
    with open(sys.argv[1], "a") as out:
        for f in H.file_args(sys.argv[2:]):
            try:
                one(f, out)
            except Exception as e:  # the script's own failure on one file: recorded, the round goes on
                out.write(json.dumps(dict(file=f, cmd="script", rc=-1, err=f"{type(e).__name__}: {e}", tb=traceback.format_exc()[-800:])) + "\n")
