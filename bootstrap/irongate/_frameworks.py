"""Framework tool calls become `tool/invoke` actions (R-45), with no change
to the agent's code.

Each patch is armed lazily by the enrichment finder (`_enrich`) right after
its module executes, and wraps the one place every tool call of that
framework goes through:

    langchain-core  langchain_core.tools.base.BaseTool.run / .arun
                    (@tool, BaseTool subclasses, LangGraph's ToolNode,
                    langchain.agents.create_agent)
    smolagents      smolagents.tools.Tool.__call__
    openai-agents   agents.tool.FunctionTool.on_invoke_tool (per instance,
                    wrapped in __post_init__)
    pydantic-ai     pydantic_ai.toolsets.function.FunctionToolset.call_tool
    mcp             mcp.client.session.ClientSession.call_tool

A blocked or denied call reaches the framework as a failing tool does, so
the model sees an error result and the run goes on: langchain gets an error
`ToolMessage` (status "error"), openai-agents the error text as the tool's
output, pydantic-ai a `ModelRetry`, MCP a `CallToolResult` with `is_error`,
smolagents a `PermissionError` raised by the tool (its agents report a
tool's exception to the model).

While an allowed tool runs, the supervisor tags every operation of the
thread with `in_tool` (the tool call's event id); the end of the call is
reported here. None of this is enforcement: the agent can undo a patch, and
then its tool's operations are judged as they are, untagged.

A framework version outside the range a patch was written for is reported
once on stderr; the patch is still tried.
"""

import sys

import _irongate

_END = '{"type":"tool","subtype":"end"}'

#: distribution -> (lowest supported major.minor, highest supported major)
_SUPPORTED = {
    "langchain-core": ((1, 0), 1),
    "smolagents": ((1, 20), 1),
    "openai-agents": ((0, 20), 0),
    "pydantic-ai-slim": ((2, 0), 2),
    "mcp": ((2, 0), 2),
}

_reported = set()


def _report(dist, why):
    if dist in _reported:
        return
    _reported.add(dist)
    try:
        sys.stderr.write(
            "irongate: %s: %s; its tool calls may not be seen as tool/invoke\n"
            % (dist, why)
        )
    except Exception:
        pass


def _check_version(dist):
    try:
        from importlib.metadata import version

        text = version(dist)
    except Exception:
        return
    try:
        parts = tuple(int(p) for p in text.split(".")[:2])
    except ValueError:
        return
    low, high_major = _SUPPORTED[dist]
    if parts < low or parts[0] > high_major:
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


def _decide(name, framework, args, kwargs):
    """None when allowed (the call is then in progress until `_end`), else
    the message to show the model."""
    import irongate

    action = irongate._tool_action(str(name), framework, args, kwargs)
    decision, reason, _rule, message = _irongate.decide("hook", irongate._dumps(action))
    if decision == "allow":
        return None
    return message or "irongate blocked tool %r: %s" % (name, reason)


def _end():
    try:
        _irongate.decide("hook", _END)
    except Exception:
        pass


def _mark(fn, real):
    for attr in ("__module__", "__name__", "__qualname__", "__doc__"):
        try:
            setattr(fn, attr, getattr(real, attr))
        except (AttributeError, TypeError):
            pass
    fn._irongate_tool = True
    return fn


def _patched(cls, name):
    real = cls.__dict__[name]
    if getattr(real, "_irongate_tool", False):
        return None
    return real


# --------------------------------------------------------------------------
# langchain-core


def _patch_langchain(module):
    _check_version("langchain-core")
    base = module.BaseTool
    fmt = module._format_output

    def failed(tool, message, tool_call_id):
        return fmt(message, None, tool_call_id, tool.name, "error")

    real_run = _patched(base, "run")
    if real_run is not None:

        def run(self, tool_input, *args, **kwargs):
            blocked = _decide(self.name, "langchain", *_split(tool_input))
            if blocked is not None:
                return failed(self, blocked, kwargs.get("tool_call_id"))
            try:
                return real_run(self, tool_input, *args, **kwargs)
            finally:
                _end()

        base.run = _mark(run, real_run)

    real_arun = _patched(base, "arun")
    if real_arun is not None:

        async def arun(self, tool_input, *args, **kwargs):
            blocked = _decide(self.name, "langchain", *_split(tool_input))
            if blocked is not None:
                return failed(self, blocked, kwargs.get("tool_call_id"))
            try:
                return await real_arun(self, tool_input, *args, **kwargs)
            finally:
                _end()

        base.arun = _mark(arun, real_arun)


# --------------------------------------------------------------------------
# smolagents


def _patch_smolagents(module):
    _check_version("smolagents")
    cls = module.Tool
    real = _patched(cls, "__call__")
    if real is None:
        return

    def __call__(self, *args, **kwargs):
        values = {k: v for k, v in kwargs.items() if k != "sanitize_inputs_outputs"}
        if len(args) == 1 and isinstance(args[0], dict) and not values:
            call_args, values = (), args[0]
        else:
            call_args = args
        blocked = _decide(getattr(self, "name", type(self).__name__), "smolagents", call_args, values)
        if blocked is not None:
            raise PermissionError(blocked)
        try:
            return real(self, *args, **kwargs)
        finally:
            _end()

    cls.__call__ = _mark(__call__, real)


# --------------------------------------------------------------------------
# OpenAI Agents SDK


def _patch_openai_agents(module):
    cls = getattr(module, "FunctionTool", None)
    if cls is None:
        return  # another package called `agents`
    _check_version("openai-agents")
    real_post = cls.__dict__.get("__post_init__")
    if getattr(real_post, "_irongate_tool", False):
        return

    def __post_init__(self):
        if real_post is not None:
            real_post(self)
        inner = getattr(self, "on_invoke_tool", None)
        if inner is None or getattr(inner, "_irongate_tool", False):
            return
        tool = self

        async def on_invoke_tool(ctx, input_json, *args, **kwargs):
            try:
                import json

                parsed = json.loads(input_json) if input_json else {}
            except Exception:
                parsed = input_json
            blocked = _decide(tool.name, "openai-agents", *_split(parsed))
            if blocked is not None:
                return blocked
            try:
                return await inner(ctx, input_json, *args, **kwargs)
            finally:
                _end()

        on_invoke_tool._irongate_tool = True
        try:
            object.__setattr__(self, "on_invoke_tool", on_invoke_tool)
        except Exception:
            pass

    if real_post is not None:
        _mark(__post_init__, real_post)
    else:
        __post_init__._irongate_tool = True
    cls.__post_init__ = __post_init__


# --------------------------------------------------------------------------
# pydantic-ai


def _patch_pydantic_ai(module):
    _check_version("pydantic-ai-slim")
    cls = module.FunctionToolset
    real = _patched(cls, "call_tool")
    if real is None:
        return

    async def call_tool(self, name, tool_args, ctx, tool, *args, **kwargs):
        blocked = _decide(name, "pydantic-ai", *_split(tool_args))
        if blocked is not None:
            from pydantic_ai.exceptions import ModelRetry

            raise ModelRetry(blocked)
        try:
            return await real(self, name, tool_args, ctx, tool, *args, **kwargs)
        finally:
            _end()

    cls.call_tool = _mark(call_tool, real)


# --------------------------------------------------------------------------
# MCP client


def _patch_mcp(module):
    _check_version("mcp")
    cls = module.ClientSession
    real = _patched(cls, "call_tool")
    if real is None:
        return
    types = module.types

    async def call_tool(self, name, arguments=None, *args, **kwargs):
        blocked = _decide(name, "mcp", *_split(arguments))
        if blocked is not None:
            return types.CallToolResult(
                content=[types.TextContent(type="text", text=blocked)], is_error=True
            )
        try:
            return await real(self, name, arguments, *args, **kwargs)
        finally:
            _end()

    cls.call_tool = _mark(call_tool, real)


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
}
