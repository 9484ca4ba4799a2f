# Trusted harness: the first (and only trusted) code that runs inside every sandboxed python3 process.
# argv: MODE AS_BYTES CPU_SECONDS NPROC NOFILE FSIZE_BYTES
#   stdio: stdin = "<len>\n" + program + the test's stdin; the program runs as __main__ and writes to stdout.
#   serve: stdin = "<len>\n" + program, then one JSON request per line; the program's module is loaded once and
#          its functions are called per request; answers go to the protocol fd (the original stdout).
#   judge: stdin = "<len>\n" + JSON spec (trusted dataset test code + candidate names), then candidate answers;
#          the test code runs here, the candidate's functions are RPC proxies (values only cross as JSON).
# Why this is unforgeable (see also CodeJudge.cs):
#   * Expected values live only in the host (stdio, call) or in the judge process (asserts, check). The candidate
#     process never receives them, so nothing it prints, patches or exits with can turn a wrong answer into a pass.
#   * Only plain data crosses: exact builtin types, JSON-encoded with tags for tuple/set/dict/bytes/complex/non-finite
#     float. An object whose __eq__ always says True is not one of those types: it cannot be encoded, the call fails.
#   * exit(0) / os._exit(0) in the candidate closes its protocol pipe: the host sees a dead candidate (RE), not a pass.
#     A "ALL TESTS PASSED" banner is just bytes on stderr (candidate stdout is redirected there in serve mode).
#   * Monkeypatching (builtins, json, this harness) only changes the candidate's own process; the judge is another
#     process under another uid in another pid namespace.
import os, sys, resource, builtins

# json, math and base64 are imported by the modes that need them and traceback only on error: every import here
# is paid on each of the thousands of process starts per training step.
json = math = base64 = None


def load_codec_modules():
    global json, math, base64
    import json as _json, math as _math, base64 as _base64
    json, math, base64 = _json, _math, _base64

CE_EXIT, MLE_EXIT = 97, 98


def read_exact(fd, n):
    parts = []
    while n > 0:
        b = os.read(fd, min(n, 1 << 20))
        if not b:
            raise EOFError("stdin closed inside a frame")
        parts.append(b)
        n -= len(b)
    return b"".join(parts)


def read_frame(fd):
    # Byte by byte so that no byte past the frame is consumed: in stdio mode the rest of fd 0 is the test's stdin.
    head = b""
    while not head.endswith(b"\n"):
        c = os.read(fd, 1)
        if not c:
            raise EOFError("stdin closed before the frame header")
        head += c
    return read_exact(fd, int(head)).decode("utf-8", "replace")


def apply_limits(argv):
    as_bytes, cpu, nproc, nofile, fsize = (int(x) for x in argv)
    for res, value in ((resource.RLIMIT_AS, as_bytes), (resource.RLIMIT_CPU, cpu), (resource.RLIMIT_NPROC, nproc),
                       (resource.RLIMIT_NOFILE, nofile), (resource.RLIMIT_FSIZE, fsize), (resource.RLIMIT_CORE, 0)):
        resource.setrlimit(res, (value, value))


def encode(v, depth=0):
    if depth > 200:
        raise ValueError("value nested deeper than 200 levels")
    t = type(v)
    if v is None or t is bool or t is str or t is int:
        return v
    if t is float:
        return v if math.isfinite(v) else {"$t": "float", "v": repr(v)}
    if t is list:
        return [encode(x, depth + 1) for x in v]
    if t is tuple:
        return {"$t": "tuple", "v": [encode(x, depth + 1) for x in v]}
    if t is set or t is frozenset:
        return {"$t": "set", "v": [encode(x, depth + 1) for x in v]}
    if t is dict:
        return {"$t": "dict", "v": [[encode(k, depth + 1), encode(x, depth + 1)] for k, x in v.items()]}
    if t is bytes:
        return {"$t": "bytes", "v": base64.b64encode(v).decode()}
    if t is complex:
        return {"$t": "complex", "v": [repr(v.real), repr(v.imag)]}
    if getattr(t, "__module__", "") == "numpy" and hasattr(v, "tolist"):
        return encode(v.tolist(), depth + 1)
    raise TypeError("unsupported value type " + t.__name__ + " (only builtin data types cross the sandbox boundary)")


def decode(v):
    if type(v) is list:
        return [decode(x) for x in v]
    if type(v) is dict:
        tag = v.get("$t")
        if tag is None:
            return {k: decode(x) for k, x in v.items()}
        x = v["v"]
        if tag == "tuple":
            return tuple(decode(e) for e in x)
        if tag == "set":
            return set(decode(e) for e in x)
        if tag == "dict":
            return {decode(k): decode(e) for k, e in x}
        if tag == "float":
            return float(x)
        if tag == "bytes":
            return base64.b64decode(x)
        if tag == "complex":
            return complex(float(x[0]), float(x[1]))
        raise ValueError("unknown tag " + str(tag))
    if type(v) in (int, float, str, bool) or v is None:
        return v
    raise ValueError("bad value")


def last_line(e):
    return (type(e).__name__ + ": " + str(e))[:300]


def error_verdict(e):
    if isinstance(e, MemoryError):
        return "MLE"
    return "RE"


def take_protocol_fds():
    # The protocol keeps private copies of fds 0/1; the program's stdin becomes /dev/null and its stdout goes to
    # stderr, so prints can never be mistaken for protocol lines (the host caps stderr: a flood is OLE).
    pin = os.fdopen(os.dup(0), "rb")
    pout = os.dup(1)
    null = os.open("/dev/null", os.O_RDONLY)
    os.dup2(null, 0)
    os.dup2(2, 1)
    os.close(null)

    def send(obj):
        data = (json.dumps(obj, separators=(",", ":")) + "\n").encode()
        while data:
            data = data[os.write(pout, data):]

    return pin, send


def main_stdio(code):
    try:
        compiled = compile(code, "solution.py", "exec")
    except (SyntaxError, ValueError) as e:
        sys.stderr.write("CE " + last_line(e) + "\n")
        os._exit(CE_EXIT)
    g = {"__name__": "__main__", "__builtins__": builtins}
    try:
        exec(compiled, g)
    except SystemExit:
        raise
    except MemoryError:
        os._exit(MLE_EXIT)
    except BaseException:
        import traceback
        traceback.print_exc()
        sys.stderr.flush()
        try:
            sys.stdout.flush()
        finally:
            os._exit(1)


def main_serve(code):
    pin, send = take_protocol_fds()
    try:
        compiled = compile(code, "solution.py", "exec")
    except (SyntaxError, ValueError) as e:
        send({"error": {"verdict": "CE", "message": last_line(e)}})
        return
    g = {"__name__": "solution", "__builtins__": builtins}
    try:
        exec(compiled, g)
    except BaseException as e:
        send({"error": {"verdict": error_verdict(e), "message": last_line(e)}})
        return
    names = sorted(k for k, v in list(g.items()) if not k.startswith("__") and callable(v))
    send({"ready": names})
    for line in pin:
        try:
            req = json.loads(line)
            name = req["call"]
            fn = g.get(name)
            sol = g.get("Solution")
            if (fn is None or not callable(fn)) and isinstance(sol, type) and hasattr(sol, name):
                fn = getattr(sol(), name)  # LeetCode: a fresh Solution() per call
            if fn is None or not callable(fn):
                raise NameError("the program defines no function " + repr(name))
            value = fn(*decode(req.get("args", [])), **decode(req.get("kwargs", {})))
        except BaseException as e:
            send({"error": {"verdict": error_verdict(e), "message": last_line(e)}})
            continue
        try:
            reply = {"ok": encode(value)}
            send(reply)
        except BaseException as e:
            send({"error": {"verdict": "WA", "message": last_line(e)}})


class CandidateError(Exception):
    def __init__(self, verdict, message):
        super().__init__(message)
        self.verdict = verdict


def failed_line(e, spec, stmt):
    # For check(): name the assert inside check() that failed, not just "check(f)".
    import traceback
    frames = [f for f in traceback.extract_tb(e.__traceback__) if f.filename == "check.py"]
    if frames and spec["kind"] == "check":
        lines = spec["code"].split("\n")
        n = frames[-1].lineno
        if 1 <= n <= len(lines):
            return lines[n - 1].strip()[:200]
    return stmt[:200]


def main_judge(spec_text):
    pin, send = take_protocol_fds()
    spec = json.loads(spec_text)

    def proxy_for(name):
        def proxy(*args, **kwargs):
            send({"call": name, "args": encode(list(args)), "kwargs": {k: encode(v) for k, v in kwargs.items()}})
            line = pin.readline()
            try:
                reply = json.loads(line)
                if "ok" in reply:
                    return decode(reply["ok"])
                err = reply["error"]
                verdict = err.get("verdict")
                if verdict not in ("WA", "RE", "TLE", "MLE", "OLE", "CE"):
                    verdict = "RE"
                raise CandidateError(verdict, str(err.get("message", ""))[:300])
            except CandidateError:
                raise
            except Exception as e:
                raise CandidateError("WA", "malformed answer from candidate: " + last_line(e))
        proxy.__name__ = name
        return proxy

    # Proxy only the program's names that the test code reads (not every import of the program: its
    # `from math import sqrt` must not replace a sqrt the tests use from their own imports).
    import ast
    sources = [spec.get("setup") or ""] + ([spec["code"]] if spec["kind"] == "check" else list(spec["asserts"]))
    used = set()
    for src in sources:
        try:
            used.update(n.id for n in ast.walk(ast.parse(src)) if isinstance(n, ast.Name))
        except SyntaxError:
            pass  # reported per test below
    g = {"__name__": "__main__", "__builtins__": builtins}
    for name in spec["names"]:
        if name in used:
            g[name] = proxy_for(name)
    entry = spec.get("entry_point")
    if entry and entry not in g:
        g[entry] = proxy_for(entry)
    try:
        exec(compile(spec.get("setup") or "", "setup.py", "exec"), g)
        if spec["kind"] == "check":
            exec(compile(spec["code"], "check.py", "exec"), g)
            tests = ["check(" + entry + ")"]
        else:
            tests = spec["asserts"]
    except BaseException as e:
        send({"fatal": "test code failed to load: " + last_line(e)})
        return

    for i, stmt in enumerate(tests):
        try:
            exec(compile(stmt, "test_%d.py" % i, "exec"), g)
            send({"test": i, "verdict": "AC"})
        except CandidateError as e:
            send({"test": i, "verdict": e.verdict, "message": str(e)})
        except AssertionError as e:
            send({"test": i, "verdict": "WA", "message": "assertion failed: " + failed_line(e, spec, stmt)})
        except BaseException as e:
            send({"test": i, "verdict": "WA", "message": last_line(e)})
    send({"done": True})


def add_site_dirs():
    # python3 runs with -S (no site module: its .pth processing costs ~20 ms per start); add the system package
    # dirs by hand so numpy and friends still import.
    v = "python%d.%d" % sys.version_info[:2]
    for d in ("/usr/local/lib/%s/dist-packages" % v, "/usr/lib/python3/dist-packages", "/usr/lib/%s/dist-packages" % v):
        if d not in sys.path and os.path.isdir(d):
            sys.path.append(d)


def main():
    mode = sys.argv[1]
    add_site_dirs()
    if hasattr(sys, "set_int_max_str_digits"):
        sys.set_int_max_str_digits(0)
    payload = read_frame(0)
    apply_limits(sys.argv[2:7])
    if mode == "stdio":
        main_stdio(payload)
    elif mode == "serve":
        load_codec_modules()
        main_serve(payload)
    elif mode == "judge":
        load_codec_modules()
        main_judge(payload)
    else:
        raise SystemExit("unknown mode " + mode)


main()
