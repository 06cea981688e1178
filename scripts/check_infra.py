#!/usr/bin/env python3
"""Structural checks of infra/ that cfn-lint cannot make: the function's environment covers every
variable the code reads, and the resources the deployment relies on exist and are wired (the
checkpoint chain, the alarms' recipients, what survives a stack deletion).

  check_infra.py function TEMPLATE [--sources RUST_FILE...]
  check_infra.py fanout TEMPLATE ASL_JSON [--steps RUST_FILE]

Prints one line per check ("ok  name" or "FAIL name: why") and exits 1 if any failed.
Run by scripts/check-infra.sh with the .venv's Python (PyYAML comes with cfn-lint). The templates
use the long intrinsic form ({"Ref": ...}), so plain yaml.safe_load reads them.
"""
import glob, json, os, re, sys
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Variables the code reads that the template must NOT set, and why:
EXCLUDED = {
    "AWS_LAMBDA_FUNCTION_NAME": "set by Lambda",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "set by Lambda",
    "S3_ENDPOINT_URL": "local S3 emulators only",
    "STRAPI_TOKEN": "a secret: the function reads it from SSM (STRAPI_TOKEN_SSM_PARAM)",
    "TIME_BUDGET_SECS": "CLI only: the Lambda's budget is its deadline",
}
# Crates not linked into the function: their variables are not the function's business.
NOT_IN_FUNCTION = {"ingesta-cli", "strapi-sim", "ingesta-gen", "ingesta-testkit"}
METRICS = ["RecordsProcessed", "RecordsFailed", "SuccessRate", "Duration", "ApiLatency", "ApiErrors",
           "Retries", "BatchSize", "CircuitOpen", "CctHitRate", "PeakMemoryMB", "ApiTimeouts", "Concurrency"]
ENV_RE = re.compile(r'env\s*=\s*"([A-Z][A-Z0-9_]*)"|env::var(?:_os)?\(\s*"([A-Z][A-Z0-9_]*)"\s*\)')

results = []


def check(name, ok, why=""):
    results.append((name, bool(ok), why))


def default_sources():
    """Every Rust source the function is built from (the settings live in ingesta-config and
    ingesta-lambda; the other crates are scanned too so that a new variable cannot hide)."""
    files = glob.glob(os.path.join(ROOT, "functions", "*", "src", "**", "*.rs"), recursive=True)
    for crate in sorted(glob.glob(os.path.join(ROOT, "crates", "*"))):
        if os.path.basename(crate) not in NOT_IN_FUNCTION:
            files += glob.glob(os.path.join(crate, "src", "**", "*.rs"), recursive=True)
    return files


def code_vars(sources):
    found = set()
    for path in sources:
        for m in ENV_RE.finditer(open(path, encoding="utf-8").read()):
            found.add(m.group(1) or m.group(2))
    return found


def of_type(t, kind):
    return {k: v for k, v in t.get("Resources", {}).items() if isinstance(v, dict) and v.get("Type") == kind}


def target(value):
    """The logical id a {"Ref": X} or {"Fn::GetAtt": [X, ...]} points at."""
    if isinstance(value, dict):
        if "Ref" in value:
            return value["Ref"]
        if "Fn::GetAtt" in value:
            att = value["Fn::GetAtt"]
            return att[0] if isinstance(att, list) else att.split(".")[0]
    return None


def statements(policies):
    """IAM statements of a Policies list, both branches of an Fn::If included."""
    out = []
    for p in policies or []:
        branches = p["Fn::If"][1:] if isinstance(p, dict) and "Fn::If" in p else [p]
        for b in branches:
            if isinstance(b, dict) and "PolicyDocument" in b:
                st = b["PolicyDocument"].get("Statement", [])
                out += st if isinstance(st, list) else [st]
    return out


def allows(stmts, action, resource_part=None, condition=None):
    for s in stmts:
        acts = s.get("Action", [])
        acts = acts if isinstance(acts, list) else [acts]
        if s.get("Effect") == "Allow" and action in acts:
            if resource_part and resource_part not in json.dumps(s.get("Resource")):
                continue
            if condition and condition not in json.dumps(s.get("Condition", {})):
                continue
            return True
    return False


def targets(value):
    """Every logical id a value points at, through lists and both branches of an Fn::If."""
    if isinstance(value, list):
        return set().union(*(targets(v) for v in value)) if value else set()
    if isinstance(value, dict) and "Fn::If" in value:
        return set().union(*(targets(v) for v in value["Fn::If"][1:]))
    t = target(value)
    return {t} if t else set()


def alarm_metrics(alarm):
    p = alarm.get("Properties", {})
    names = {p.get("MetricName")}
    for m in p.get("Metrics", []):
        names.add(m.get("MetricStat", {}).get("Metric", {}).get("MetricName"))
    return names - {None}


def check_function(t, sources):
    params = t.get("Parameters", {})
    fns = of_type(t, "AWS::Serverless::Function")
    check("one function (AWS::Serverless::Function)", len(fns) == 1, f"found {sorted(fns)}")
    if len(fns) != 1:
        return
    name, fn = next(iter(fns.items()))
    p = fn.get("Properties", {})
    check("function runs on provided.al2023", p.get("Runtime") == "provided.al2023", p.get("Runtime"))
    check("function is arm64", p.get("Architectures") == ["arm64"], p.get("Architectures"))
    check("function handler is bootstrap", p.get("Handler") == "bootstrap", p.get("Handler"))
    # Each checkpoint invokes the function again through S3; Lambda's recursive-loop detection
    # would end that chain after ~16 hops, leaving long files unfinished. MAX_CHECKPOINT_HOPS
    # (checked below with every variable) is the bound instead.
    check("RecursiveLoop: Allow, so the checkpoint chain is not stopped by Lambda", p.get("RecursiveLoop") == "Allow", p.get("RecursiveLoop"))
    reserved = targets(p.get("ReservedConcurrentExecutions"))
    check("reserved concurrency is a parameter", reserved & set(params), p.get("ReservedConcurrentExecutions"))
    code = os.path.normpath(os.path.join(ROOT, "infra", str(p.get("CodeUri"))))
    check("CodeUri is the function's package (sam build)", code == os.path.join(ROOT, "functions", "ingest"), p.get("CodeUri"))
    check("sam build uses cargo lambda", fn.get("Metadata", {}).get("BuildMethod") == "rust-cargolambda", fn.get("Metadata"))
    check("logs are JSON, so the function's level follows LoggingConfig", p.get("LoggingConfig", {}).get("LogFormat") == "JSON", p.get("LoggingConfig"))

    env = p.get("Environment", {}).get("Variables", {}) or {}
    wanted = code_vars(sources) - set(EXCLUDED)
    missing = sorted(wanted - set(env))
    check(f"every env var the code reads is set ({len(wanted)} read)", not missing, f"missing: {', '.join(missing)}")
    forbidden = sorted(v for v in env if v in EXCLUDED or v.startswith("AWS_LAMBDA_"))
    check("no token or Lambda-reserved variable in the environment", not forbidden, ", ".join(forbidden))
    extra = sorted(set(env) - code_vars(sources))
    if extra:
        print(f"note: set but not read by the code (yet): {', '.join(extra)}")

    for prop, label in [("MemorySize", "memory size"), ("Timeout", "timeout")]:
        check(f"{label} is a parameter", target(p.get(prop)) in params, p.get(prop))
    for var, label in [("STRAPI_BASE_URL", "Strapi URL"), ("STRAPI_TOKEN_SSM_PARAM", "SSM parameter name"),
                       ("MAX_CHECKPOINT_HOPS", "hop limit (MAX_CHECKPOINT_HOPS)")]:
        check(f"{label} is a parameter", target(env.get(var)) in params, env.get(var))

    # Bucket notification: an S3 event on a bucket of this template, filtered like INPUT_PREFIX/SUFFIX.
    buckets = of_type(t, "AWS::S3::Bucket")
    s3 = [e.get("Properties", {}) for e in (p.get("Events") or {}).values() if e.get("Type") == "S3"]
    check("S3 event on a bucket of this template", any(target(e.get("Bucket")) in buckets for e in s3), "no Events of Type S3 on a template bucket")
    filters = [{r.get("Name"): r.get("Value") for r in e.get("Filter", {}).get("S3Key", {}).get("Rules", [])} for e in s3]
    inputs = next((f for f in filters if f.get("prefix") != "checkpoints/"), {})
    check("notification filtered by prefix = INPUT_PREFIX", "prefix" in inputs and inputs["prefix"] == env.get("INPUT_PREFIX"), filters)
    # S3's suffix filter is case-sensitive: ".csv" there would drop "X.CSV" before the code (which
    # compares INPUT_SUFFIX in any case) could see it.
    check("no suffix filter on the upload notification (S3 compares suffixes case-sensitively)", inputs and "suffix" not in inputs, filters)
    check("a written checkpoint (checkpoints/*.json) invokes the function to go on with its file",
          {"prefix": "checkpoints/", "suffix": ".json"} in filters, filters)

    # Dead-letter queue for failed asynchronous invocations.
    queues = of_type(t, "AWS::SQS::Queue")
    dests = [p.get("EventInvokeConfig", {}).get("DestinationConfig", {}).get("OnFailure", {}).get("Destination"),
             p.get("DeadLetterQueue", {}).get("TargetArn")]
    dlq = next((target(d) for d in dests if target(d) in queues), None)
    check("SQS dead-letter queue for failed async invocations", dlq, "no EventInvokeConfig OnFailure / DeadLetterQueue on a template queue")

    # Least-privilege role.
    roles = of_type(t, "AWS::IAM::Role")
    role = roles.get(target(p.get("Role")), {}).get("Properties", {})
    st = statements(role.get("Policies")) + statements([{"PolicyDocument": {"Statement": s}} for s in p.get("Policies", []) if isinstance(s, dict) and "Effect" in s])
    check("role reads the SSM token parameter", allows(st, "ssm:GetParameter", "StrapiTokenParameterName"), "no ssm:GetParameter on the parameter")
    check("role reads the input prefix", allows(st, "s3:GetObject", "${InputPrefix}*"), "no s3:GetObject on ${InputPrefix}*")
    check("role reads the CCT table", allows(st, "s3:GetObject", "${CctsKey}"), "no s3:GetObject on ${CctsKey}")
    check("role reads and writes reports/*", all(allows(st, a, "reports/*") for a in ("s3:GetObject", "s3:PutObject")),
          "missing one of Get/PutObject")
    check("role may not delete reports/* (never done)", not allows(st, "s3:DeleteObject", "reports/*"), "DeleteObject on reports/*")
    ok = all(allows(st, a, "checkpoints/*") for a in ("s3:GetObject", "s3:PutObject", "s3:DeleteObject"))
    check("role reads, writes and deletes checkpoints/*", ok, "missing one of Get/Put/DeleteObject")
    lists = [s.get("Sid", "?") for s in st if s.get("Effect") == "Allow" and "s3:ListBucket" in json.dumps(s.get("Action"))
             and "s3:prefix" not in json.dumps(s.get("Condition", {}))]
    check("ListBucket only under an s3:prefix condition", not lists, f"statements {lists}")
    check("PutMetricData limited to the namespace", allows(st, "cloudwatch:PutMetricData", None, "cloudwatch:namespace"), "no namespace condition")
    if dlq:
        check("role may send to the dead-letter queue", allows(st, "sqs:SendMessage", dlq), "no sqs:SendMessage")
    broad = [s.get("Sid", "?") for s in st if s.get("Effect") == "Allow" and any(a == "*" or a.endswith(":*") for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]]))]
    check("no wildcard actions", not broad, f"statements {broad}")

    # Alarms, the topic they notify, and the dashboard.
    alarms = of_type(t, "AWS::CloudWatch::Alarm")
    for metric, label in [("Errors", "function errors"), ("Duration", "duration near the timeout"), ("RecordsFailed", "failed rows"),
                          ("AsyncEventAge", "events waiting in the async queue"), ("Throttles", "throttled invocations")]:
        check(f"alarm on {label} ({metric})", any(metric in alarm_metrics(a) for a in alarms.values()), "no such alarm")
    topics = of_type(t, "AWS::SNS::Topic")
    check("an SNS topic for the alarms", topics, "no AWS::SNS::Topic")
    silent = sorted(n for n, a in alarms.items() if not targets(a.get("Properties", {}).get("AlarmActions")) & set(topics))
    check("every alarm notifies the alarm topic", topics and not silent, f"not notifying it: {silent}")
    subs = [s.get("Properties", {}) for s in of_type(t, "AWS::SNS::Subscription").values()]
    check("AlarmEmail subscribes to the alarm topic", any(s.get("Protocol") == "email" and target(s.get("TopicArn")) in topics
          and target(s.get("Endpoint")) in params for s in subs), "no email subscription from a parameter")

    # What holds data or evidence outlives the stack.
    for kind in ("AWS::S3::Bucket", "AWS::SQS::Queue", "AWS::Logs::LogGroup"):
        for n, r in of_type(t, kind).items():
            kept = r.get("DeletionPolicy") == "Retain" and r.get("UpdateReplacePolicy") == "Retain"
            check(f"{n} is retained (DeletionPolicy and UpdateReplacePolicy Retain)", kept,
                  f"DeletionPolicy {r.get('DeletionPolicy')}, UpdateReplacePolicy {r.get('UpdateReplacePolicy')}")

    boards = of_type(t, "AWS::CloudWatch::Dashboard")
    body = json.dumps([b.get("Properties", {}).get("DashboardBody") for b in boards.values()])
    absent = [m for m in METRICS if f'\\"{m}\\"' not in body and f'"{m}"' not in body]
    check("dashboard shows every SPEC section 8 metric", boards and not absent, f"missing: {absent}" if boards else "no dashboard")


STEPS_RE = re.compile(r'pub const STEPS:\s*\[&str;\s*\d+\]\s*=\s*\[([^\]]*)\]')


def code_steps(path=None):
    """The fan-out steps the function's dispatcher accepts: `STEPS` in ingesta-lambda's fanout/mod.rs
    (a unit test there holds it equal to the `Step` enum the payload is parsed into)."""
    path = path or os.path.join(ROOT, "crates", "ingesta-lambda", "src", "fanout", "mod.rs")
    m = STEPS_RE.search(open(path, encoding="utf-8").read())
    return re.findall(r'"([a-z_]+)"', m.group(1)) if m else []


def all_states(states):
    """Every state, those inside Map processors included."""
    for name, s in states.items():
        yield name, s
        inner = s.get("ItemProcessor") or s.get("Iterator") or {}
        yield from all_states(inner.get("States", {}))


def check_fanout(t, asl, steps_file=None):
    machines = of_type(t, "AWS::StepFunctions::StateMachine")
    check("state machine resource", machines, "no AWS::StepFunctions::StateMachine")
    known = code_steps(steps_file)
    check("the function's fan-out steps are found in the Rust source", known, "no `pub const STEPS` in fanout/mod.rs")

    # Every Task invokes the ingest function with a payload naming a step the function accepts.
    tasks = {n: s for n, s in all_states(asl.get("States", {})) if s.get("Type") == "Task"}
    used, bad = [], []
    for n, s in tasks.items():
        params = s.get("Parameters", {})
        payload = params.get("Payload")
        step = payload.get("step") if isinstance(payload, dict) else None
        invokes = "lambda:invoke" in s.get("Resource", "") and params.get("FunctionName") == "${IngestFunctionArn}"
        if not invokes or step not in known:
            bad.append(f"{n}: step {step!r}" + ("" if invokes else " (not an invoke of ${IngestFunctionArn})"))
        used.append(step)
    check("every Task invokes the function with a step it accepts", tasks and not bad,
          f"{bad}; the function accepts {known}" if tasks else "no Task")
    check("every step of the function is used", set(known) <= set(used), f"unused: {sorted(set(known) - set(used))}")

    # Split -> Parents -> Map of shards -> Merge, in that order.
    order, name, seen = [], asl.get("StartAt"), set()
    while name in asl.get("States", {}) and name not in seen:
        seen.add(name)
        s = asl["States"][name]
        if s.get("Type") == "Task":
            order.append(s.get("Parameters", {}).get("Payload", {}).get("step"))
        elif s.get("Type") == "Map":
            order.append("map")
        name = s.get("Next")
    check("split, parents, the shard Map, then merge", order == ["split", "parents", "map", "merge"], order)

    maps = [s for s in asl.get("States", {}).values() if s.get("Type") == "Map"]
    m = maps[0] if maps else {}
    config = m.get("ItemProcessor", {}).get("ProcessorConfig", {})
    check("the Map's children are standard executions (a shard may run as long as the function's timeout)",
          config.get("Mode") == "DISTRIBUTED" and config.get("ExecutionType") == "STANDARD"
          or config.get("Mode", "INLINE") == "INLINE" and m, config)
    inner = [s.get("Parameters", {}).get("Payload", {}).get("step") for _, s in all_states(m.get("ItemProcessor", {}).get("States", {}))
             if s.get("Type") == "Task"]
    check("the Map runs the shard step", inner == ["shard"], inner)
    params = t.get("Parameters", {})
    bounded = "MaxConcurrency" in m or "MaxConcurrencyPath" in m
    documented = "ReservedConcurrency" in params.get("ShardConcurrency", {}).get("Description", "")
    check("the Map's concurrency is a parameter bounded by the function's ReservedConcurrency",
          bounded and documented, "no MaxConcurrency(Path), or no ShardConcurrency parameter naming ReservedConcurrency")
    check("ToleratedFailurePercentage lets the merge report a failed shard", m.get("ToleratedFailurePercentage") == 100,
          m.get("ToleratedFailurePercentage"))

    stmts = [st for r in of_type(t, "AWS::IAM::Role").values() for st in statements(r.get("Properties", {}).get("Policies"))]
    check("the role may invoke the ingest function", allows(stmts, "lambda:InvokeFunction", "IngestFunctionArn"),
          "no lambda:InvokeFunction on IngestFunctionArn")


def main(argv):
    if len(argv) >= 2 and argv[0] == "function":
        sources = argv[argv.index("--sources") + 1:] if "--sources" in argv else default_sources()
        check_function(yaml.safe_load(open(argv[1])), sources)
    elif len(argv) in (3, 5) and argv[0] == "fanout":
        steps = argv[4] if len(argv) == 5 and argv[3] == "--steps" else None
        check_fanout(yaml.safe_load(open(argv[1])), json.load(open(argv[2])), steps)
    else:
        sys.exit(__doc__)
    for name, ok, why in results:
        print(f"ok   {name}" if ok else f"FAIL {name}: {why}")
    return 0 if all(ok for _, ok, _ in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
