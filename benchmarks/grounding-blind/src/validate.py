"""Validate incident files against models.py; falls back to loading models.py alone with stubs."""
import sys, types, yaml, glob
try:
    sys.path.insert(0, "/work/main")
    from assistant.drafting.models import Incident
    how = "package import"
except Exception as e:  # environment still installing
    for name in ("assistant", "assistant.errors", "assistant.models"):
        sys.modules[name] = types.ModuleType(name)
    sys.modules["assistant.errors"].IncidentError = type("IncidentError", (Exception,), {})
    sys.modules["assistant.errors"].InputError = type("InputError", (Exception,), {})
    sys.modules["assistant.errors"].validation_message = lambda *a, **k: ""
    sys.modules["assistant.models"].Report = type("Report", (), {})
    from pydantic import BaseModel
    sys.modules["assistant.models"].Report = type("Report", (BaseModel,), {})
    ns = {"__name__": "models_standalone"}
    src = open("/work/main/assistant/drafting/models.py").read()
    mod = types.ModuleType("models_standalone"); sys.modules["models_standalone"] = mod
    exec(compile(src, "models.py", "exec"), mod.__dict__)
    Incident = mod.Incident
    how = f"standalone models.py ({type(e).__name__})"
print("validating via", how)
bad = 0
for f in sorted(sys.argv[1:] or glob.glob("/work/grounding-blind/incidents/*.yaml")):
    try:
        Incident.model_validate(yaml.safe_load(open(f)))
        print("ok  ", f.split("/")[-1])
    except Exception as e:
        bad += 1; print("FAIL", f, e)
sys.exit(bad)
