"""Build claims.jsonl from the pipe-separated sources and print counts."""
import json, glob, collections, os
KINDS = {"date","number","amount","commitment","compensation","recurrence","none"}
rows = []
inc_files = {os.path.basename(p)[:-5] for p in glob.glob("/work/grounding-blind/incidents/*.yaml")}
for path in sorted(glob.glob("/work/grounding-blind/src/claims_*.txt")):
    cur = None
    for n, line in enumerate(open(path), 1):
        line = line.rstrip("\n")
        if not line.strip(): continue
        if line.startswith("## "):
            cur = line[3:].strip(); assert cur in inc_files, cur; continue
        g, kinds, why, sentence = line.split("|", 3)
        kinds = [k.strip() for k in kinds.split(",")]
        assert g in "TF" and set(kinds) <= KINDS, (path, n, line)
        assert not ("none" in kinds and len(kinds) > 1), (path, n)
        assert not ("none" in kinds and g == "F"), (path, n)
        rows.append({"incident": cur, "sentence": sentence.strip(), "grounded": g == "T",
                     "kinds": kinds, "why": why.strip()})
with open("/work/grounding-blind/claims.jsonl", "w") as f:
    for r in rows: f.write(json.dumps(r, ensure_ascii=False) + "\n")
per = collections.Counter(r["incident"] for r in rows)
print("incidents", len(per), "sentences", len(rows), "min/max per incident", min(per.values()), max(per.values()))
g = sum(r["grounded"] for r in rows); print("grounded", g, "ungrounded", len(rows) - g)
kc = collections.Counter(k for r in rows for k in r["kinds"])
kg = collections.Counter(k for r in rows if r["grounded"] for k in r["kinds"])
for k in ["date","number","amount","commitment","compensation","recurrence","none"]:
    print(f"  {k:13s} {kc[k]:4d}  grounded {kg[k]:3d}  ungrounded {kc[k]-kg[k]:3d}")
dup = [s for s, c in collections.Counter(r["sentence"] for r in rows).items() if c > 1]
print("duplicate sentences", dup)
for inc, c in sorted(per.items()):
    gi = sum(r["grounded"] for r in rows if r["incident"] == inc)
    ni = sum(r["kinds"] == ["none"] for r in rows if r["incident"] == inc)
    print(f"  {inc:40s} {c:2d} T{gi:2d} F{c-gi:2d} none{ni}")
