"""IronGate's Python API, inside the agent.

Everything here only *asks*: decisions are made by the irongate supervisor,
outside this process, from a policy this process cannot see or change. The
agent can rewrite every object in this module without changing what the
supervisor enforces.

    import irongate

    irongate.check({"type": "file", "subtype": "read", "path": "/etc/hosts"})
    # -> {"decision": "allow", "reason": "...", "rule": {...} or None}

    @irongate.tool("search")              # every call declares a tool invocation
    def search(query): ...

    irongate.tool("search").invoke(query="x")   # declare one call directly

    with irongate.shield.protect(profile="read_only"):   # narrow, never widen
        ...

    @irongate.protect_agent                # or @protect_agent(profile="minimal")
    def run(): ...

This module is imported on every agent start: keep module-level imports to
builtins (json, functools and inspect are imported when first needed).
"""

import sys as _sys
from _thread import _local

try:
    import _irongate as _native
except ImportError:  # pragma: no cover - only outside `irongate run`
    raise ImportError(
        "irongate: this module only works inside an agent started by "
        "`irongate run` (the native module _irongate is missing)"
    ) from None

__version__ = "0.1.0"

__all__ = [
    "__version__",
    "check",
    "tool",
    "Tool",
    "shield",
    "Shield",
    "protect",
    "protect_agent",
    "DEFAULT_PROFILE",
]

#: The profile `shield.protect()` and `@protect_agent` narrow to when none is
#: given (the original's default profile).
DEFAULT_PROFILE = "sandboxed"


# --------------------------------------------------------------------------
# JSON helpers

_json = None


def _json_module():
    global _json
    if _json is None:
        import json

        _json = json
    return _json


def _json_default(obj):
    """Values json cannot encode in an action given to check()."""
    import os

    if isinstance(obj, os.PathLike):
        obj = os.fspath(obj)
    if isinstance(obj, (bytes, bytearray)):
        return os.fsdecode(bytes(obj))
    if isinstance(obj, str):
        return obj
    if isinstance(obj, (set, frozenset)):
        return list(obj)
    dump = getattr(obj, "model_dump", None)
    if callable(dump):
        return dump()
    return _safe_repr(obj, _MAX_STR)


def _dumps(obj):
    return _json_module().dumps(
        obj, default=_json_default, ensure_ascii=False, separators=(",", ":")
    )


def _as_action(action):
    if isinstance(action, dict):
        return action
    dump = getattr(action, "model_dump", None)
    if callable(dump):
        action = dump()
        if isinstance(action, dict):
            return action
    raise TypeError(
        "irongate: an action is a dict such as "
        '{"type": "file", "subtype": "read", "path": "/tmp/x"}, not %s'
        % type(action).__name__
    )


# --------------------------------------------------------------------------
# check()


def check(action):
    """Asks the supervisor to decide `action` (a dict with the fields of an
    IronGate action: type, subtype, path, url, cmd, tool_name, ...).

    Returns ``{"decision": "allow"|"block", "reason": str, "rule": dict|None}``.
    A block is returned, not raised; a review is resolved (approved, denied
    or timed out) by the supervisor before this returns. Raises
    PermissionError if the supervisor cannot be reached.
    """
    action = _as_action(action)
    decision, reason, rule_json, _message = _native.decide("api", _dumps(action))
    return {"decision": decision, "reason": reason, "rule": _parse_rule(rule_json)}


def _parse_rule(rule_json):
    if not rule_json:
        return None
    try:
        return _json_module().loads(rule_json)
    except ValueError:
        return None


# --------------------------------------------------------------------------
# Tool declarations

# Limits on the argument values sent with a tool declaration (the supervisor
# digests them; it logs them only under `log_args: true`).
_MAX_STR = 1000  # characters per string value
_MAX_CHARS = 16000  # characters over all string values of one call
_MAX_ITEMS = 256  # values over one call
_MAX_DEPTH = 6  # nesting of lists and dicts
_INT_MIN, _INT_MAX = -(2**63), 2**64 - 1


def _truncate(text, limit):
    if len(text) <= limit:
        return text
    return "%s...[%d chars]" % (text[:limit], len(text))


def _safe_repr(value, limit):
    try:
        text = repr(value)
        if not isinstance(text, str):
            raise TypeError
    except Exception:
        text = "<%s object>" % type(value).__name__
    return _truncate(text, limit)


class _Budget:
    __slots__ = ("chars", "items")

    def __init__(self):
        self.chars = _MAX_CHARS
        self.items = _MAX_ITEMS


def _jsonable(value, budget, depth=0):
    """A JSON-able copy of `value`: scalars as they are, lists and dicts
    converted item by item, everything else as a truncated repr()."""
    budget.items -= 1
    if budget.items < 0:
        # Out of budget: nested values are elided; an argument itself still
        # shows as a short repr while characters remain.
        if depth or budget.chars <= 0:
            return "..."
        text = _safe_repr(value, 100)
        budget.chars -= len(text)
        return text
    if value is None or value is True or value is False:
        return value
    if isinstance(value, int):
        if _INT_MIN <= value <= _INT_MAX:
            return int(value)
        return _safe_repr(value, _MAX_STR)
    if isinstance(value, float):
        if value - value == 0.0:  # finite
            return float(value)
        return repr(float(value))
    if isinstance(value, str):
        limit = min(_MAX_STR, max(budget.chars, 0))
        budget.chars -= min(len(value), limit)
        return _truncate(str.__str__(value), limit)
    if depth < _MAX_DEPTH:
        if isinstance(value, (list, tuple)):
            out = []
            for item in value:
                if budget.items <= 0:
                    out.append("...")
                    break
                out.append(_jsonable(item, budget, depth + 1))
            return out
        if isinstance(value, dict):
            out = {}
            for key, item in value.items():
                if budget.items <= 0:
                    out["..."] = "..."
                    break
                if not isinstance(key, str):
                    key = _safe_repr(key, 100)
                out[key] = _jsonable(item, budget, depth + 1)
            return out
    limit = min(_MAX_STR, max(budget.chars, 0))
    text = _safe_repr(value, limit)
    budget.chars -= len(text)
    return text


def _tool_action(name, framework, args, kwargs):
    budget = _Budget()
    values = {}
    for key in sorted(kwargs):
        values[key] = _jsonable(kwargs[key], budget)
    for index, arg in enumerate(args):
        values[str(index)] = _jsonable(arg, budget)
    return {
        "type": "tool",
        "subtype": "invoke",
        "tool_name": name,
        "framework": framework,
        "arg_names": sorted(kwargs) + [str(i) for i in range(len(args))],
        "args": values,
    }


def _declare(name, framework, args, kwargs, raise_on_block, body=False):
    """Asks for one tool call. With `body`, an allowed call stays in
    progress in this thread (its operations carry `in_tool`) until
    `_end_call`; the result's "open" says whether it must be ended."""
    frameworks = _sys.modules.get("irongate._frameworks")
    if frameworks is not None and frameworks.declared(name):
        # A declaration inside the framework tool call of the same name that
        # IronGate already asked about (a wrapper around a hooked tool).
        return {"decision": "allow", "reason": "declared by its framework", "rule": None}
    action = _tool_action(name, framework, args, kwargs)
    decision, reason, rule_json, message = _native.decide("api", _dumps(action))
    if decision == "allow" and not body:
        _end_call()
    if decision != "allow" and raise_on_block:
        raise PermissionError(
            message or "irongate: tool %r blocked: %s" % (name, reason)
        )
    result = {"decision": decision, "reason": reason, "rule": _parse_rule(rule_json)}
    if body and decision == "allow":
        result["open"] = True
    return result


def _end_call():
    """The innermost allowed tool call of this thread returned."""
    try:
        _native.end_tool()
    except Exception:
        pass


def _is_coroutine_function(fn):
    import inspect

    return inspect.iscoroutinefunction(fn)


class Tool:
    """A declared tool. Use it as a decorator (every call of the function
    is declared first) or call :meth:`invoke` to declare one call."""

    __slots__ = ("name", "framework")

    def __init__(self, name, framework=None):
        if name is not None and not isinstance(name, str):
            raise TypeError("irongate.tool: the tool name must be a str")
        if framework is not None and not isinstance(framework, str):
            raise TypeError("irongate.tool: framework must be a str or None")
        self.name = name
        self.framework = framework

    def __repr__(self):
        return "irongate.tool(%r, framework=%r)" % (self.name, self.framework)

    def _named(self):
        if self.name is None:
            raise TypeError("irongate.tool: this declaration has no tool name")
        return self.name

    def invoke(self, *args, **kwargs):
        """Declares one invocation with these arguments. Raises
        PermissionError when the supervisor blocks it; returns the decision
        (as :func:`check` does) when it is allowed."""
        return _declare(self._named(), self.framework, args, kwargs, True)

    def check(self, *args, **kwargs):
        """Like :meth:`invoke` but returns a block instead of raising."""
        return _declare(self._named(), self.framework, args, kwargs, False)

    def __call__(self, fn):
        if not callable(fn):
            raise TypeError(
                "irongate.tool(...) decorates a function; to declare a call "
                "use irongate.tool(name).invoke(*args, **kwargs)"
            )
        import functools

        name = self.name
        if name is None:
            name = getattr(fn, "__name__", None) or type(fn).__name__
        framework = self.framework

        if _is_coroutine_function(fn):

            @functools.wraps(fn)
            async def async_tool(*args, **kwargs):
                opened = _declare(name, framework, args, kwargs, True, True)
                try:
                    return await fn(*args, **kwargs)
                finally:
                    if opened.get("open"):
                        _end_call()

            return async_tool

        @functools.wraps(fn)
        def sync_tool(*args, **kwargs):
            opened = _declare(name, framework, args, kwargs, True, True)
            try:
                return fn(*args, **kwargs)
            finally:
                if opened.get("open"):
                    _end_call()

        return sync_tool


def tool(name=None, framework=None):
    """``@irongate.tool("search")`` declares every call of the decorated
    function (sync or async) as a tool invocation before it runs; a blocked
    call raises PermissionError and the function does not run.
    ``irongate.tool("search").invoke(query="x")`` declares one call.
    ``@irongate.tool`` (bare) uses the function's name."""
    if callable(name) and not isinstance(name, str):
        return Tool(None, framework)(name)
    return Tool(name, framework)


# --------------------------------------------------------------------------
# Narrowing: shield.protect() and @protect_agent
#
# The supervisor keeps a stack of narrowings per thread and intersects them;
# `_native.release()` leaves the innermost. This thread's Python-side stack
# mirrors it so that scopes may end out of order (two asyncio tasks on one
# thread, each inside its own protect()): ending a scope that is not the
# innermost releases down to it and narrows again to the ones above it.

_tls = _local()
_fork_hook_registered = False


def _stack():
    try:
        return _tls.stack
    except AttributeError:
        stack = _tls.stack = []
        return stack


def _after_fork_in_child():
    # Only the forking thread survives a fork; its narrowings must hold in
    # the child process too, which the supervisor sees as a new process.
    stack = _stack()
    try:
        for entry in stack:
            _native.narrow(entry[0])
    except BaseException as exc:
        import os

        try:
            os.write(
                2,
                (
                    "irongate: cannot keep shield.protect() narrowing in "
                    "forked child (%s); exiting\n" % (exc,)
                ).encode("utf-8", "replace"),
            )
        finally:
            os._exit(1)


def _narrow(profile):
    global _fork_hook_registered
    if not _fork_hook_registered:
        import os

        register = getattr(os, "register_at_fork", None)
        if register is not None:
            register(after_in_child=_after_fork_in_child)
        _fork_hook_registered = True
    _native.narrow(profile)
    entry = [profile]
    _stack().append(entry)
    return entry


def _release(entry):
    stack = _stack()
    for index in range(len(stack) - 1, -1, -1):
        if stack[index] is entry:
            break
    else:
        return  # not opened in this thread (e.g. before a fork): nothing held
    above = stack[index + 1 :]
    del stack[index:]
    for _ in range(len(above) + 1):
        _native.release()
    for other in above:
        _native.narrow(other[0])
        stack.append(other)


def _profile_name(profile, capability_profile=None):
    if capability_profile is not None:
        if profile is not None and profile != capability_profile:
            raise TypeError(
                "irongate: give either profile= or capability_profile=, not both"
            )
        profile = capability_profile
    if profile is None:
        profile = DEFAULT_PROFILE
    if not isinstance(profile, str):
        name = getattr(profile, "name", None)
        if not isinstance(name, str):
            raise TypeError("irongate: a profile is a name such as 'read_only'")
        profile = name
    return profile


class _Protection:
    """What `shield.protect(profile)` returns: a context manager and a
    decorator (sync and async functions). Each entry narrows the current
    thread's profile in the supervisor; the matching exit releases it, also
    when the body raises. Nesting intersects."""

    __slots__ = ("profile",)

    def __init__(self, profile):
        self.profile = profile

    def __repr__(self):
        return "shield.protect(profile=%r)" % (self.profile,)

    def __enter__(self):
        _narrow(self.profile)
        return self

    def __exit__(self, exc_type, exc, tb):
        # The innermost scope this object opened in this thread.
        stack = _stack()
        for index in range(len(stack) - 1, -1, -1):
            entry = stack[index]
            if entry[0] == self.profile and len(entry) == 1:
                break
        else:
            return False
        _release(entry)
        return False

    def __call__(self, fn):
        if not callable(fn):
            raise TypeError("shield.protect(...) decorates a function")
        import functools

        profile = self.profile

        if _is_coroutine_function(fn):

            @functools.wraps(fn)
            async def async_protected(*args, **kwargs):
                entry = _narrow(profile)
                entry.append(None)  # owned by this call, not by a `with`
                try:
                    return await fn(*args, **kwargs)
                finally:
                    _release(entry)

            return async_protected

        @functools.wraps(fn)
        def protected(*args, **kwargs):
            entry = _narrow(profile)
            entry.append(None)
            try:
                return fn(*args, **kwargs)
            finally:
                _release(entry)

        return protected


class Shield:
    """The `shield` object (the original's public entry point)."""

    def protect(self, profile=None, *, capability_profile=None):
        """Narrows what the enclosed code may do to `profile` (default
        ``"sandboxed"``); never widens. A context manager and a decorator.
        Raises ValueError (on entry) for an unknown profile."""
        return _Protection(_profile_name(profile, capability_profile))

    def check(self, action):
        """Same as :func:`irongate.check`."""
        return check(action)

    def evaluate_action(self, action):
        """The original's API: True when the action is allowed."""
        return check(action)["decision"] == "allow"

    def tool(self, name=None, framework=None):
        """Same as :func:`irongate.tool`."""
        return tool(name, framework)

    def __repr__(self):
        return "<irongate shield>"


#: The original's global interceptor, now a thin client of the supervisor.
shield = Shield()


def protect(profile=None, *, capability_profile=None):
    """Same as ``shield.protect(profile)``."""
    return shield.protect(profile, capability_profile=capability_profile)


def protect_agent(fn=None, *, profile=None, capability_profile=None):
    """Runs the decorated function (sync or async) inside
    ``shield.protect(profile)``. Usable bare (``@protect_agent``) or with
    arguments (``@protect_agent(profile="read_only")``; the original's
    ``capability_profile=`` is accepted too). As in the original, a
    non-callable argument is returned unchanged."""
    if isinstance(fn, str):
        if profile is not None:
            raise TypeError("protect_agent: profile given twice")
        profile, fn = fn, None
    name = _profile_name(profile, capability_profile)
    if fn is None:
        return _Protection(name)
    if not callable(fn):
        return fn
    return _Protection(name)(fn)

