# Prints what Python's tomllib reads from each TOML file named on the command line, as
# one JSON object by file name: {"value": TAGGED} for a valid document, {"error_line": N}
# for an invalid one. Leaves are tagged strings ("i:5", "f:<IEEE bits>" or "f:nan",
# "b:true", "s:text"), so that the Swift reader's values compare exactly.
import json, math, re, struct, sys, tomllib

def tag(v):
    if isinstance(v, bool):
        return "b:" + ("true" if v else "false")
    if isinstance(v, int):
        return "i:" + str(v)
    if isinstance(v, float):
        return "f:nan" if math.isnan(v) else "f:" + str(struct.unpack("<Q", struct.pack("<d", v))[0])
    if isinstance(v, str):
        return "s:" + v
    if isinstance(v, list):
        return [tag(x) for x in v]
    if isinstance(v, dict):
        return {k: tag(x) for k, x in v.items()}
    return "other:" + type(v).__name__

out = {}
for path in sys.argv[1:]:
    with open(path, "rb") as f:
        data = f.read()
    try:
        out[path.rsplit("/", 1)[-1]] = {"value": tag(tomllib.loads(data.decode("utf-8")))}
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"at line (\d+)", str(e))
        out[path.rsplit("/", 1)[-1]] = {"error_line": int(m.group(1)) if m else 0, "message": str(e)}
print(json.dumps(out, sort_keys=True, ensure_ascii=False, indent=1))
