"""A fake of the native `_irongate` module for the bootstrap unit tests.

It records every call and answers `decide` from a rule the test sets. Like
the real module it takes the action as JSON text (and rejects what serde_json
would reject), keeps narrowings per thread, and raises ValueError for an
unknown profile or a release with nothing to release.
"""

import json
import threading

PROFILES = {"sandboxed", "read_only", "trusted", "minimal"}

_lock = threading.Lock()
calls = []  # (name, payload, thread ident)
narrowed = {}  # thread ident -> [profile, ...]
noted = {}  # thread ident -> dir_fd currently noted
rule = None  # callable(layer, action) -> "allow" | "block" | (decision, reason)
unreachable = False


def reset(new_rule=None):
    global rule, unreachable
    with _lock:
        calls.clear()
        narrowed.clear()
        noted.clear()
    rule = new_rule
    unreachable = False


def _record(name, payload):
    with _lock:
        calls.append((name, payload, threading.get_ident()))


def calls_of(name):
    with _lock:
        return [c[1] for c in calls if c[0] == name]


def decisions(layer=None):
    """(layer, action) of every decide() call, in order."""
    return [c for c in calls_of("decide") if layer is None or c[0] == layer]


def ends():
    """How many times the end of a tool call was reported."""
    return len(calls_of("end_tool"))


def end_tool():
    _record("end_tool", None)
    if unreachable:
        raise PermissionError("irongate: cannot reach the supervisor (fake)")


def _strict_constant(name):
    raise ValueError("not JSON: %s" % name)


def frame():
    return "fake_agent.py:1"


def decide(layer, action_json, frame=None):
    if not isinstance(layer, str) or not isinstance(action_json, str):
        raise TypeError("decide(layer: str, action_json: str, frame=None)")
    action = json.loads(action_json, parse_constant=_strict_constant)
    if not isinstance(action, dict):
        raise ValueError("action is not a JSON object")
    _record("decide", (layer, action))
    if unreachable:
        raise PermissionError(
            "irongate: cannot reach the supervisor (fake); operation denied"
        )
    answer = rule(layer, action) if rule is not None else "allow"
    if isinstance(answer, tuple):
        decision, reason = answer
    else:
        decision, reason = answer, "fake_" + answer
    matched = {"index": 7, "name": "fake-rule"} if decision == "block" else None
    message = "IronGate blocked %s/%s: %s" % (
        action.get("type"),
        action.get("subtype"),
        reason,
    )
    return decision, reason, json.dumps(matched), message


def narrow(profile):
    if profile not in PROFILES:
        raise ValueError("unknown profile %r" % (profile,))
    _record("narrow", profile)
    with _lock:
        narrowed.setdefault(threading.get_ident(), []).append(profile)


def release():
    tid = threading.get_ident()
    with _lock:
        stack = narrowed.get(tid)
        if not stack:
            raise ValueError("nothing to release")
        stack.pop()
    _record("release", None)


def current_profiles():
    with _lock:
        return list(narrowed.get(threading.get_ident(), []))


def note_dir_fd(fd=None):
    if fd is not None and type(fd) is not int:
        raise TypeError("fd must be an int or None")
    _record("note_dir_fd", fd)
    with _lock:
        noted[threading.get_ident()] = fd


def current_dir_fd():
    with _lock:
        return noted.get(threading.get_ident())


def launcher():
    return None


def supervisor_pid():
    return None


def source(name):
    return None


def noted_refusal():
    """No noted opens in these tests: nothing was refused by them."""
    return None
