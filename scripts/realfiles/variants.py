"""`variants.py LOG FILELIST` (round 43): per file, a partial-rule seal round trip, rotate changing tokens only,
and CRLF and byte-order-mark variants sealed, rotated, given a new key and a first key removed."""
import json, os, re, sys, traceback  # harness (imported below) takes --work and sets the key file
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pathlib import Path
from sealfile.kms.age import AgeKey
from sealfile.stores import get_store
from sealfile.ops.seal import seal_text
from sealfile.ops.read import decrypt_text
from sealfile.ops.change import set_value, unset_value, rotate
from sealfile.model.rules import EncryptionRules
from sealfile.errors import SealfileError
from harness import kind, KEY, ref_load, same, data_part
TOK = re.compile(r"ENC\[[^\]]*\]")
def body(s): return TOK.sub("ENC[]", data_part(s))
RULES = [EncryptionRules("encrypted_regex", "(?i)(pass|secret|token|key|name)"), EncryptionRules("unencrypted_regex", "^(image|version|kind)$")]
def main(files, log):
    with open(log, "a") as out:
        def rec(**kw): out.write(json.dumps(kw) + "\n"); out.flush()
        for f in files:
            k = kind(f); store = get_store(k)
            try: text = Path(f).read_bytes().decode("utf-8")
            except UnicodeDecodeError: continue
            variants = [("orig", text)]
            if "\r\n" not in text: variants.append(("crlf", text.replace("\n", "\r\n")))
            if k == "yaml" and not text.startswith("\ufeff"): variants.append(("bom", "\ufeff" + text))
            for vname, t in variants:
                try: sealed = seal_text(t, [KEY], store=store)
                except SealfileError as e:
                    rec(file=f, v=vname, stage="seal", refused=True, err=str(e)); continue
                except Exception as e:
                    rec(file=f, v=vname, stage="seal", crash=True, err=repr(e)[:300]); continue
                try:
                    assert decrypt_text(sealed, store=store) == t, "roundtrip"
                    if vname == "orig":
                        for r in RULES:
                            s2 = seal_text(t, [KEY], r, store=store)
                            assert decrypt_text(s2, store=store) == t, f"rule {r.kind}"
                            r2 = rotate(s2, store=store, adopt=True)
                            assert body(r2) == body(s2), f"rotate-rule {r.kind}"
                    r1 = rotate(sealed, store=store, adopt=True)
                    assert body(r1) == body(sealed), "rotate body"
                    assert decrypt_text(r1, store=store) == t, "rotate data"
                    rec(file=f, v=vname, stage="base", ok=True)
                except AssertionError as e:
                    rec(file=f, v=vname, stage="base", ok=False, err=str(e))
                except Exception as e:
                    rec(file=f, v=vname, stage="base", crash=True, err=repr(e)[:300], tb=traceback.format_exc()[-600:])
                if vname == "orig": continue
                # a set and an unset on the variant: line endings / BOM kept
                try:
                    top = ref_load(text, k)
                    root = top if k != "yaml" else (top[0] if len(top) == 1 else None)
                    if not isinstance(root, dict) or not root: continue
                    key0 = next(iter(root))
                    res = set_value(sealed, '["sfnew"]', "v ü", store=store)
                    got = decrypt_text(res, store=store)
                    okle = ("\r\n" in t) == ("\r\n" in got) and got.count("\n") == got.count("\r\n") if vname == "crlf" else got.startswith("\ufeff")
                    res2 = unset_value(sealed, json.dumps([key0]), store=store)
                    got2 = decrypt_text(res2, store=store)
                    okle2 = got2.count("\n") == got2.count("\r\n") if vname == "crlf" else (got2.startswith("\ufeff") or not got2)
                    rec(file=f, v=vname, stage="setunset", ok=okle and okle2, set_ok=okle, unset_ok=okle2)
                except SealfileError as e:
                    rec(file=f, v=vname, stage="setunset", refused=True, err=str(e))
                except Exception as e:
                    rec(file=f, v=vname, stage="setunset", crash=True, err=repr(e)[:300], tb=traceback.format_exc()[-600:])
if __name__ == "__main__":
    main([l for l in Path(sys.argv[2]).read_text().splitlines()], sys.argv[1])
