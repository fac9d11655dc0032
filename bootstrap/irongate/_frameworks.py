"""Framework tool calls become `tool/invoke` actions (R-45), with no change
to the agent's code.

Each patch is armed lazily by the enrichment finder (`_enrich`) right after
its module executes, and wraps the one place every tool call of that
framework goes through:

    langchain-core  langchain_core.tools.base.BaseTool.run / .arun
                    (@tool, BaseTool subclasses, LangGraph's ToolNode,
                    langchain.agents.create_agent)
    smolagents      smolagents.tools.Tool.__call__
    openai-agents   agents.tool._invoke_function_tool_with_metadata
                    (every FunctionTool call of the Runner and realtime)
    pydantic-ai     pydantic_ai.toolsets.function.FunctionToolset.call_tool
    mcp             mcp.client.session.ClientSession.call_tool
    anthropic       anthropic.lib.tools._beta_functions.BetaFunctionTool.call
                    and BetaAsyncFunctionTool.call (@beta_tool, @beta_async_tool,
                    run by client.beta.messages.tool_runner)

A blocked or denied call reaches the framework as a failing tool does, so
the model sees an error result and the run goes on: langchain gets an error
`ToolMessage` (status "error"), openai-agents the error text as the tool's
output, pydantic-ai a `ModelRetry`, MCP a `CallToolResult` with `is_error`,
anthropic's tool runner a `ToolError` (an `is_error` tool result),
smolagents a `PermissionError` raised by the tool (its agents report a
tool's exception to the model).

While an allowed tool runs, the supervisor tags every operation of the
thread with `in_tool` (the tool call's event id); the end of the call is
reported here. A framework that runs sync tools in a worker thread
(openai-agents, pydantic-ai, langchain-core's `arun` of a sync tool) has
the call asked from that thread, so the tag follows the tool. None of this
is enforcement: the agent can undo a patch, and then its tool's operations
are judged as they are, untagged.

A framework version outside the range a patch was written for (or one that
cannot be read) is reported once on stderr; the patch is still tried. So is
a layout a patch does not recognise.
"""

import sys
from _contextvars import ContextVar
from _thread import _local

import _irongate

#: distribution -> (lowest supported major.minor, highest supported major)
_SUPPORTED = {
    "langchain-core": ((1, 0), 1),
    "smolagents": ((1, 20), 1),
    "openai-agents": ((0, 20), 0),
    "pydantic-ai-slim": ((2, 0), 2),
    "mcp": ((2, 0), 2),
    "anthropic": ((2, 0), 2),
}

_reported = set()


def _report(dist, why):
    """Says once per run on stderr that `dist`'s tool calls may be missed."""
    if (dist, why) in _reported:
        return
    _reported.add((dist, why))
    try:
        sys.stderr.write(
            "irongate: %s: %s; its tool calls may not be seen as tool/invoke\n"
            % (dist, why)
        )
    except Exception:
        pass


def _release(text):
    """(major, minor) of a version string such as "1.26.0rc1", else None."""
    parts = []
    for piece in text.split(".")[:2]:
        digits = ""
        for ch in piece:
            if not ch.isdigit():
                break
            digits += ch
        if not digits:
            return None
        parts.append(int(digits))
    return tuple(parts) if len(parts) == 2 else None


def _check_version(dist):
    try:
        from importlib.metadata import version

        text = version(dist)
    except Exception as e:
        _report(dist, "cannot read its installed version (%s)" % type(e).__name__)
        return
    parts = _release(text)
    low, high_major = _SUPPORTED[dist]
    if parts is None or parts < low or parts[0] > high_major:
        _report(
            dist,
            "version %s is not one IronGate was tested with (%d.%d to %d.x)"
            % (text, low[0], low[1], high_major),
        )


def _split(tool_input):
    """(args, kwargs) of a tool input: a dict is keyword arguments."""
    if isinstance(tool_input, dict):
        return (), tool_input
    if tool_input is None:
        return (), {}
    return (tool_input,), {}


def _parse_json(text):
    """The arguments of a tool call sent as JSON text (as given if not JSON)."""
    if not text:
        return {}
    try:
        import json

        return json.loads(text)
    except Exception:
        return text


# The names of the tool calls in progress in this thread (innermost last),
# so that a wrapper of the original's API around the same tool
# (`agentshield.integrations`) does not declare the call a second time. Only
# de-duplicates declarations; nothing is decided from it.
_active = _local()


def _stack():
    try:
        return _active.names
    except AttributeError:
        names = _active.names = []
        return names


def declared(name):
    """True when the innermost framework tool call of this thread is `name`
    (already a tool/invoke decision)."""
    names = _stack()
    return bool(names) and names[-1] == name


class _Call:
    """One framework tool call: asked once, ended once if it was allowed."""

    __slots__ = ("name", "framework", "args", "kwargs", "frame")

    def __init__(self, name, framework, args, kwargs):
        self.name = str(name)
        self.framework = framework
        self.args = args
        self.kwargs = kwargs
        # The agent's frame, when the call is asked on a worker thread.
        self.frame = None

    def start(self):
        """None when allowed (the call is then in progress, in this thread,
        until `end`), else the message to show the model."""
        import irongate

        action = irongate._tool_action(self.name, self.framework, self.args, self.kwargs)
        decision, reason, _rule, message = _irongate.decide(
            "hook", irongate._dumps(action), self.frame
        )
        if decision != "allow":
            return message or "irongate blocked tool %r: %s" % (self.name, reason)
        _stack().append(self.name)
        return None

    def end(self):
        names = _stack()
        if names:
            names.pop()
        try:
            _irongate.end_tool()
        except Exception:
            pass


# The sync and async forms of "ask, then run or fail the way the framework
# shows a failing tool". `blocked(message)` returns the framework's error
# result or raises the framework's tool error.


def _run(call, blocked, fn, *args, **kwargs):
    message = call.start()
    if message is not None:
        return blocked(message)
    try:
        return fn(*args, **kwargs)
    finally:
        call.end()


async def _arun(call, blocked, fn, *args, **kwargs):
    message = call.start()
    if message is not None:
        return blocked(message)
    try:
        return await fn(*args, **kwargs)
    finally:
        call.end()


# A framework that runs a sync tool in a worker thread (asyncio.to_thread,
# run_in_executor) is asked from that thread, so the operations of the tool
# carry its `in_tool` (the supervisor tags per thread). The framework's entry
# point parks the call here; the wrapped hop takes it and asks in the worker.
_parked = ContextVar("irongate_tool_call", default=None)


def _park(call, blocked):
    """A token for `_unpark`; the hop asks for `call` in its thread (with
    the frame of the agent code that made it, seen from here)."""
    call.frame = _irongate.frame()
    return _parked.set([call, blocked])


def _unpark(token):
    box = _parked.get()
    _parked.reset(token)
    if box is not None and box[0] is not None:
        # Still parked after the framework returned: either the tool failed
        # before it ran (arguments the framework rejected) or this version
        # runs sync tools another way, unasked. Said once, in case.
        _report(
            box[0].framework,
            "a sync tool call returned without passing the thread hop IronGate "
            "expects (if the tool ran, it was not asked about)",
        )


def _hop(real, leading=0):
    """Wraps a framework's `hop(*lead, func, *args, **kwargs)` (an async
    function running `func` in a worker thread; `leading` arguments come
    before `func`): a parked call is asked there."""

    def hop(*args, **kwargs):
        box = _parked.get()
        if box is None or box[0] is None or len(args) <= leading:
            return real(*args, **kwargs)
        call, blocked = box
        box[0] = None  # taken: the hop of a nested call must not reuse it
        func = args[leading]

        def in_worker(*a, **kw):
            return _run(call, blocked, func, *a, **kw)

        return real(*args[:leading], in_worker, *args[leading + 1 :], **kwargs)

    return _mark(hop, real)


class _ModuleView:
    """Another module's attributes with some replaced: a patch seen only by
    the one module that is given this view instead of the module."""

    def __init__(self, module, **replaced):
        self.__dict__.update(replaced)
        self._module = module

    def __getattr__(self, attr):
        return getattr(self._module, attr)

    def __repr__(self):
        return repr(self._module)


def _mark(fn, real):
    for attr in ("__module__", "__name__", "__qualname__", "__doc__"):
        try:
            setattr(fn, attr, getattr(real, attr))
        except (AttributeError, TypeError):
            pass
    fn._irongate_tool = True
    return fn


def _unpatched(owner, name):
    """`owner.name` if IronGate has not wrapped it yet, else None."""
    real = owner.__dict__[name] if isinstance(owner, type) else getattr(owner, name)
    if getattr(real, "_irongate_tool", False):
        return None
    return real


# --------------------------------------------------------------------------
# langchain-core


def _patch_langchain(module):
    _check_version("langchain-core")
    base = module.BaseTool
    fmt = module._format_output

    def failing(tool, kwargs):
        return lambda message: fmt(message, None, kwargs.get("tool_call_id"), tool.name, "error")

    real_run = _unpatched(base, "run")
    if real_run is not None:

        def run(self, tool_input, *args, **kwargs):
            call = _Call(self.name, "langchain", *_split(tool_input))
            return _run(call, failing(self, kwargs), real_run, self, tool_input, *args, **kwargs)

        base.run = _mark(run, real_run)

    # The default `_arun` (also Tool's and StructuredTool's without a
    # coroutine) runs the sync `_run` through this module's run_in_executor.
    default_arun = base._arun
    hop = module.__dict__.get("run_in_executor")
    hops = hop is not None
    if hops and not getattr(hop, "_irongate_tool", False):
        module.run_in_executor = _hop(hop, leading=1)

    def in_executor(tool):
        if not hops or tool.response_format == "content_and_artifact":
            return False
        arun_impl = type(tool)._arun
        if arun_impl is default_arun:
            return True
        return getattr(tool, "coroutine", True) is None and getattr(arun_impl, "__module__", "") in (
            "langchain_core.tools.simple",
            "langchain_core.tools.structured",
        )

    real_arun = _unpatched(base, "arun")
    if real_arun is not None:

        async def arun(self, tool_input, *args, **kwargs):
            call = _Call(self.name, "langchain", *_split(tool_input))
            if in_executor(self):
                token = _park(call, failing(self, kwargs))
                try:
                    return await real_arun(self, tool_input, *args, **kwargs)
                finally:
                    _unpark(token)
            return await _arun(call, failing(self, kwargs), real_arun, self, tool_input, *args, **kwargs)

        base.arun = _mark(arun, real_arun)


# --------------------------------------------------------------------------
# smolagents: its agents report a tool's exception to the model as the
# step's error, so a blocked call raises PermissionError from the tool.


def _raise_permission(message):
    raise PermissionError(message)


def _patch_smolagents(module):
    _check_version("smolagents")
    cls = module.Tool
    real = _unpatched(cls, "__call__")
    if real is None:
        return

    def __call__(self, *args, **kwargs):
        values = {k: v for k, v in kwargs.items() if k != "sanitize_inputs_outputs"}
        if len(args) == 1 and isinstance(args[0], dict) and not values:
            call_args, values = (), args[0]
        else:
            call_args = args
        name = getattr(self, "name", None) or type(self).__name__
        call = _Call(name, "smolagents", call_args, values)
        return _run(call, _raise_permission, real, self, *args, **kwargs)

    cls.__call__ = _mark(__call__, real)


# --------------------------------------------------------------------------
# OpenAI Agents SDK: every FunctionTool call goes through
# `_invoke_function_tool_with_metadata`; a blocked call's message is the
# tool's output. Sync function tools run in `asyncio.to_thread`, which
# agents.tool is given in a view of asyncio with that hop wrapped.


def _patch_openai_agents(module):
    real = getattr(module, "_invoke_function_tool_with_metadata", None)
    if getattr(module, "FunctionTool", None) is None or real is None:
        if "FunctionTool" in module.__dict__:
            _report("openai-agents", "cannot recognise its tool calls (no _invoke_function_tool_with_metadata)")
        return  # else another package called `agents`
    _check_version("openai-agents")
    if getattr(real, "_irongate_tool", False):
        return
    result = module._FunctionToolInvocationResult
    marker = getattr(module, "_SYNC_FUNCTION_TOOL_MARKER", None)
    asyncio_module = module.__dict__.get("asyncio")
    hops = marker is not None and hasattr(asyncio_module, "to_thread")
    if hops:
        module.asyncio = _ModuleView(asyncio_module, to_thread=_hop(asyncio_module.to_thread))

    async def invoke(*, function_tool, context, arguments, **kwargs):
        args = _split(_parse_json(arguments))
        call = _Call(function_tool.name, "openai-agents", *args)
        go = lambda: real(function_tool=function_tool, context=context, arguments=arguments, **kwargs)
        if hops and getattr(function_tool.on_invoke_tool, marker, False):
            token = _park(call, lambda message: message)
            try:
                return await go()
            finally:
                _unpark(token)
        return await _arun(call, result, go)

    module._invoke_function_tool_with_metadata = _mark(invoke, real)


# --------------------------------------------------------------------------
# pydantic-ai: a blocked call raises ModelRetry (the model gets a retry
# prompt with the message). Sync tools run in `run_in_executor`.


def _model_retry(message):
    from pydantic_ai.exceptions import ModelRetry

    raise ModelRetry(message)


def _patch_pydantic_ai(module):
    _check_version("pydantic-ai-slim")
    cls = module.FunctionToolset
    real = _unpatched(cls, "call_tool")
    if real is None:
        return
    schema = sys.modules.get("pydantic_ai._function_schema")
    hop = getattr(schema, "run_in_executor", None)
    hops = hop is not None
    if hops and not getattr(hop, "_irongate_tool", False):
        schema.run_in_executor = _hop(hop)

    async def call_tool(self, name, tool_args, ctx, tool, *args, **kwargs):
        call = _Call(name, "pydantic-ai", *_split(tool_args))
        if hops and getattr(tool, "is_async", True) is False:
            token = _park(call, _model_retry)
            try:
                return await real(self, name, tool_args, ctx, tool, *args, **kwargs)
            finally:
                _unpark(token)
        return await _arun(call, _model_retry, real, self, name, tool_args, ctx, tool, *args, **kwargs)

    cls.call_tool = _mark(call_tool, real)


# --------------------------------------------------------------------------
# MCP client: a blocked call returns a CallToolResult with is_error.


def _patch_mcp(module):
    _check_version("mcp")
    cls = module.ClientSession
    real = _unpatched(cls, "call_tool")
    if real is None:
        return
    types = module.types

    def failed(message):
        return types.CallToolResult(content=[types.TextContent(type="text", text=message)], is_error=True)

    async def call_tool(self, name, arguments=None, *args, **kwargs):
        call = _Call(name, "mcp", *_split(arguments))
        return await _arun(call, failed, real, self, name, arguments, *args, **kwargs)

    cls.call_tool = _mark(call_tool, real)


# --------------------------------------------------------------------------
# anthropic's beta tool helpers: the tool runner turns a ToolError into an
# `is_error` tool result with its content.


def _patch_anthropic(module):
    _check_version("anthropic")
    tool_error = module.ToolError

    def blocked(message):
        raise tool_error(message)

    real_call = _unpatched(module.BetaFunctionTool, "call")
    if real_call is not None:

        def call(self, input, *args, **kwargs):
            run = _Call(self.name, "anthropic", *_split(input))
            return _run(run, blocked, real_call, self, input, *args, **kwargs)

        module.BetaFunctionTool.call = _mark(call, real_call)

    real_acall = _unpatched(module.BetaAsyncFunctionTool, "call")
    if real_acall is not None:

        async def acall(self, input, *args, **kwargs):
            run = _Call(self.name, "anthropic", *_split(input))
            return await _arun(run, blocked, real_acall, self, input, *args, **kwargs)

        module.BetaAsyncFunctionTool.call = _mark(acall, real_acall)


def _guarded(dist, patch):
    def run(module):
        try:
            patch(module)
        except Exception as e:  # a layout this version does not have
            _report(dist, "cannot recognise its tool calls (%s: %s)" % (type(e).__name__, e))

    return run


#: module -> patch, run right after the module executes (see _enrich).
PATCHES = {
    "langchain_core.tools.base": _guarded("langchain-core", _patch_langchain),
    "smolagents.tools": _guarded("smolagents", _patch_smolagents),
    "agents.tool": _guarded("openai-agents", _patch_openai_agents),
    "pydantic_ai.toolsets.function": _guarded("pydantic-ai-slim", _patch_pydantic_ai),
    "mcp.client.session": _guarded("mcp", _patch_mcp),
    "anthropic.lib.tools._beta_functions": _guarded("anthropic", _patch_anthropic),
}
