"""Drive the real CLI (subprocess) on a sample: every command succeeds with right data or fails in one line, file unchanged."""
import json, os, random, shutil, subprocess, sys, tempfile
from pathlib import Path
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as H
PY = [sys.executable, "-m", "sealfile"]
ENV = dict(os.environ, PYTHONPATH=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src"), SEALFILE_AGE_KEY_FILE=str(H.KEYF))

def run(args, cwd):
    return subprocess.run(PY + args, cwd=cwd, env=ENV, capture_output=True)

def one(f, out):
    def rec(**kw): out.write(json.dumps(kw) + "\n"); out.flush()
    base = Path(f).name.split("__")[-1]
    k = H.kind(f)
    text = Path(f).read_bytes()
    d = tempfile.mkdtemp(dir=H.WORK / "cli")
    p = Path(d) / base
    p.write_bytes(text)
    r = run(["encrypt", "-i", "--age", H.RECIP, base] + ([] if base.endswith((".json",".yaml",".yml")) or base.startswith(".env") else ["--input-type", k]), d)
    if r.returncode != 0:
        lines = r.stderr.decode().strip().splitlines()
        rec(file=f, cmd="encrypt", rc=r.returncode, lines=len(lines), err=r.stderr.decode()[:300], unchanged=p.read_bytes() == text)
        shutil.rmtree(d); return
    typ = [] if base.endswith((".json",".yaml",".yml")) or base.startswith(".env") else ["--input-type", k]
    r = run(["decrypt", base] + typ, d)
    rec(file=f, cmd="decrypt", rc=r.returncode, exact=r.stdout == text, err=r.stderr.decode()[:300])
    try: eds, _ = H.edits_for(text.decode(), k, random.Random(Path(f).name))
    except Exception: eds = []
    sealed = p.read_bytes()
    ref = H.ref_load(text.decode(), k); multi = k == "yaml" and len(ref) != 1
    for ename, op, path, value in eds:
        p.write_bytes(sealed)
        args = ["set", base, H.kp(path), value] if op == "set" else ["unset", base, H.kp(path)]
        r = run(args + typ, d)
        if r.returncode != 0:
            lines = r.stderr.decode().strip().splitlines()
            rec(file=f, cmd=ename, keypath=H.kp(path), rc=r.returncode, lines=len(lines), err=r.stderr.decode()[:300], unchanged=p.read_bytes() == sealed)
            continue
        r2 = run(["decrypt", base] + typ, d)
        try:
            ok = H.same(H.apply_ref(ref, op, path, value, k, multi), H.reload(r2.stdout.decode(), k, multi))
        except Exception as e:
            ok = f"{type(e).__name__}"
        rec(file=f, cmd=ename, keypath=H.kp(path), rc=0, dataok=ok)
        # the same change through `sealfile edit`: an "editor" that writes the plaintext `set` gave
        p.write_bytes(sealed)
        wanted = Path(d) / "wanted.txt"
        wanted.write_bytes(r2.stdout)
        r3 = subprocess.run(PY + ["edit", base] + typ, cwd=d, capture_output=True,
                            env=dict(ENV, VISUAL="", EDITOR=f"cp {wanted}"))
        r4 = run(["decrypt", base] + typ, d)
        rec(file=f, cmd=ename + "/edit", keypath=H.kp(path), rc=r3.returncode, err=r3.stderr.decode()[:300],
            exact=r4.stdout == r2.stdout, sealed_lines=H.touched(H.data_part(sealed.decode()), H.data_part(p.read_bytes().decode())))
    for ename, args in (("rotate", ["rotate", base]), ("recipients-add", ["recipients", "add", "--age", H.r2, base])):
        p.write_bytes(sealed)
        r = run(args + typ, d)
        r2 = run(["decrypt", base] + typ, d)
        rec(file=f, cmd=ename, rc=r.returncode, err=r.stderr.decode()[:300], exact=r2.stdout == text)
    shutil.rmtree(d)

if __name__ == "__main__":
    os.makedirs(H.WORK / "cli", exist_ok=True)
    with open(sys.argv[1], "a") as out:
        for f in H.file_args(sys.argv[2:]):
            one(f, out)
