"""Compatibility with code written for the original IronGate (`agentshield`).

``from agentshield import shield, protect_agent`` keeps working: the names
below map onto `irongate`, whose decisions are made by the supervisor. What
the original kept inside the agent's process (policy engine, storage,
notifier, review queue) now lives in the supervisor, out of the agent's
reach: those objects are present only as stand-ins that say so.

Not provided: CapabilityEngine, CapabilityProfile, PolicyEngine,
LocalStorage, Notifier, ApprovalQueue, normalize_approval_dto.
"""

import sys as _sys

from irongate import (  # noqa: F401
    DEFAULT_PROFILE,
    Shield,
    Tool,
    __version__,
    check,
    protect,
    protect_agent,
    shield,
    tool,
)

#: The original's name for the class of `shield`.
RuntimeInterceptor = Shield

#: Profile names, for ``shield.protect(profile=PROFILE_READ_ONLY)``.
PROFILE_SANDBOXED = "sandboxed"
PROFILE_READ_ONLY = "read_only"
PROFILE_TRUSTED = "trusted"
PROFILE_MINIMAL = "minimal"

__all__ = [
    "__version__",
    "shield",
    "protect_agent",
    "protect",
    "check",
    "tool",
    "storage",
    "policy",
    "notifier",
    "limitation_detector",
    "normalize_action",
    "Decision",
    "EvaluationResult",
    "CallerContext",
    "FileAction",
    "NetworkAction",
    "ProcessAction",
    "ToolAction",
    "CredentialAction",
    "PROFILE_SANDBOXED",
    "PROFILE_READ_ONLY",
    "PROFILE_TRUSTED",
    "PROFILE_MINIMAL",
    "install_audit_hooks",
    "deactivate_audit_hooks",
    "audit_hooks_available",
    "RuntimeInterceptor",
]


# --------------------------------------------------------------------------
# Action models (plain objects; the original used pydantic models with
# extra="allow"). They only build action dicts.


class _Model:
    _defaults = {}

    def __init__(self, **fields):
        values = dict(self._defaults)
        values.update(fields)
        self.__dict__.update(values)

    def model_dump(self):
        return dict(self.__dict__)

    dict = model_dump

    def __eq__(self, other):
        if type(other) is not type(self):
            return NotImplemented
        return self.__dict__ == other.__dict__

    def __repr__(self):
        inner = ", ".join("%s=%r" % kv for kv in self.__dict__.items())
        return "%s(%s)" % (type(self).__name__, inner)


class CallerContext(_Model):
    _defaults = {
        "caller_module": None,
        "caller_function": None,
        "caller_line": None,
        "parent_process_context": None,
    }


class FileAction(_Model):
    _defaults = {"type": "file"}


class NetworkAction(_Model):
    _defaults = {"type": "network"}


class ProcessAction(_Model):
    _defaults = {"type": "process"}


class ToolAction(_Model):
    _defaults = {"type": "tool"}


class CredentialAction(_Model):
    _defaults = {"type": "credential"}


class EvaluationResult(_Model):
    _defaults = {"decision": None, "reason": None, "rule": None}


def normalize_action(action):
    """A plain dict copy of an action (model objects are dumped); anything
    else becomes ``{"type": "unknown"}`` as in the original."""
    if isinstance(action, dict):
        return dict(action)
    dump = getattr(action, "model_dump", None)
    if callable(dump):
        dumped = dump()
        if isinstance(dumped, dict):
            return dumped
    return {"type": "unknown"}


_Decision = None


def __getattr__(name):
    # `Decision` needs enum; built on first use to keep this import cheap.
    global _Decision
    if name == "Decision":
        if _Decision is None:
            import enum

            class Decision(str, enum.Enum):
                ALLOW = "allow"
                REVIEW = "review"
                BLOCK = "block"

            Decision.__module__ = __name__
            _Decision = Decision
        return _Decision
    raise AttributeError("module %r has no attribute %r" % (__name__, name))


# --------------------------------------------------------------------------
# What moved to the supervisor


class _Policy:
    """`agentshield.policy`: the policy is held by the supervisor. It can be
    asked (evaluate), not read or changed."""

    def evaluate(self, action):
        """Asks the supervisor: ``{"decision", "reason", "rule"}``. Unlike the
        original this is a real, logged decision request."""
        return check(action)

    def _refuse(self, *args, **kwargs):
        raise PermissionError(
            "irongate: the policy is held by the supervisor and cannot be read "
            "or changed from the agent; pass --policy/--profile to `irongate "
            "run`, or narrow with shield.protect(profile=...)"
        )

    set_policy = reload_policy = set_capability_profile = load_policy = _refuse

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        self._refuse()

    def __repr__(self):
        return "<agentshield.policy: held by the irongate supervisor>"


class _Moved:
    """Stand-in for an object of the original that the supervisor now owns."""

    def __init__(self, name, hint):
        self._name = name
        self._hint = hint

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        raise AttributeError(
            "agentshield.%s.%s is not available inside the agent under IronGate: %s"
            % (self._name, attr, self._hint)
        )

    def __repr__(self):
        return "<agentshield.%s: %s>" % (self._name, self._hint)


policy = _Policy()
storage = _Moved(
    "storage",
    "the audit log is kept by the supervisor (see `irongate events`, "
    "`irongate verify`)",
)
notifier = _Moved(
    "notifier",
    "reviews are raised by the supervisor (see `irongate approvals`, "
    "`irongate dashboard`)",
)
limitation_detector = _Moved(
    "limitation_detector",
    "IronGate's coverage is described in SECURITY_MODEL.md",
)


def install_audit_hooks(evaluator=None):
    """Nothing to do: IronGate's audit hook is installed natively before the
    interpreter starts, for the whole run; `evaluator` is not used (decisions
    are the supervisor's)."""
    return None


def activate_audit_hooks():
    """Nothing to do: the native audit hook is always active."""
    return None


def deactivate_audit_hooks():
    raise PermissionError(
        "irongate: the audit hook is installed by the supervisor before the "
        "interpreter starts and cannot be deactivated"
    )


def audit_hooks_available():
    return True


def audit_hooks_active():
    return True


# --------------------------------------------------------------------------
# Submodules code commonly imports: agentshield.integrations (generic and
# LangChain wrappers) and agentshield.audit_hooks.


def wrap_functions_map(functions, agent_name="unknown"):
    """A new dict whose callables declare each call as tool `<key>`."""
    return {
        key: tool(str(key), framework="generic")(fn) if callable(fn) else fn
        for key, fn in functions.items()
    }


def wrap_instance_methods(instance, method_names, agent_name="unknown"):
    """Wraps the named methods of `instance` in place (missing names are
    ignored, as in the original); returns the instance."""
    for name in method_names:
        method = getattr(instance, name, None)
        if callable(method):
            setattr(instance, name, tool(name, framework="generic")(method))
    return instance


def wrap_langchain_tools(tools, agent_name="unknown"):
    """Declares every run of each LangChain tool. Tools built from a
    function (``Tool``, ``StructuredTool``, ``@tool``) have their ``func`` and
    ``coroutine`` wrapped; BaseTool subclasses are declared by IronGate's
    own hook of BaseTool.run/arun (else their ``run``/``arun`` are wrapped).
    Inside a hooked run a call is declared once. Returns a list.
    A tool that cannot be wrapped raises TypeError (decorate its function
    with ``@irongate.tool`` instead)."""
    tools = list(tools)
    for item in tools:
        name = (
            getattr(item, "name", None)
            or getattr(item, "tool_name", None)
            or type(item).__name__
        )
        declared = tool(str(name), framework="langchain")
        wrapped = False
        try:
            for attr in ("func", "coroutine"):
                fn = getattr(item, attr, None)
                if callable(fn):
                    setattr(item, attr, declared(fn))
                    wrapped = True
            if not wrapped and _hooked(type(item)):
                # A BaseTool subclass: IronGate declares it at BaseTool.run
                # and .arun; its methods cannot be reassigned on a
                # pydantic model anyway.
                wrapped = True
            if not wrapped:
                for attr in ("run", "arun"):
                    fn = getattr(item, attr, None)
                    if callable(fn):
                        setattr(item, attr, declared(fn))
                        wrapped = True
        except Exception as exc:
            raise TypeError(
                "agentshield: cannot wrap tool %r (%s: %s); decorate its "
                "function with @irongate.tool(%r) instead"
                % (name, type(exc).__name__, exc, name)
            ) from exc
        if not wrapped:
            raise TypeError(
                "agentshield: tool %r has no func, coroutine, run or arun to "
                "wrap; decorate its function with @irongate.tool instead" % (name,)
            )
    return tools


class AgentshieldTool:
    """The original's LangChain tool factory."""

    @staticmethod
    def from_function(func, name=None, description=None, agent="default_agent"):
        """A langchain-core ``Tool`` running `func` (sync or async), every
        call declared as tool `name` (default: the function's name). Under
        `irongate run` langchain-core tools are declared by IronGate itself
        (R-45); the call is then declared once, and a blocked call comes back
        as the framework's error result. Called directly, a blocked call
        raises PermissionError."""
        from langchain_core.tools import Tool as LangchainTool

        name = str(name or getattr(func, "__name__", None) or "tool")
        declared = tool(name, framework="langchain")(func)
        text = description or getattr(func, "__doc__", None) or ""
        if _is_async(func):
            return LangchainTool(name=name, description=text, func=None, coroutine=declared)
        return LangchainTool(name=name, description=text, func=declared)


def _is_async(fn):
    import inspect

    return inspect.iscoroutinefunction(fn)


def _hooked(cls):
    run = getattr(cls, "run", None)
    return getattr(run, "_irongate_tool", False) and getattr(
        getattr(cls, "arun", None), "_irongate_tool", False
    )


def _submodule(name, doc, **attrs):
    module = type(_sys)(__name__ + "." + name, doc)
    module.__dict__.update(attrs)
    _sys.modules[module.__name__] = module
    return module


integrations = _submodule(
    "integrations",
    "Tool wrappers of the original, declaring tool calls to IronGate.",
    wrap_functions_map=wrap_functions_map,
    wrap_instance_methods=wrap_instance_methods,
    wrap_langchain_tools=wrap_langchain_tools,
    AgentshieldTool=AgentshieldTool,
)
integrations.agentshield_tool = _submodule(
    "integrations.agentshield_tool", None, AgentshieldTool=AgentshieldTool
)
integrations.generic_agent_wrapper = _submodule(
    "integrations.generic_agent_wrapper",
    None,
    wrap_functions_map=wrap_functions_map,
    wrap_instance_methods=wrap_instance_methods,
)
integrations.langchain_wrapper = _submodule(
    "integrations.langchain_wrapper",
    None,
    wrap_langchain_tools=wrap_langchain_tools,
)
audit_hooks = _submodule(
    "audit_hooks",
    "The original's audit-hook controls; IronGate's hook is native.",
    install_audit_hooks=install_audit_hooks,
    activate_audit_hooks=activate_audit_hooks,
    deactivate_audit_hooks=deactivate_audit_hooks,
    is_available=audit_hooks_available,
    is_active=audit_hooks_active,
)
