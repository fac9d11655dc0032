"""The framework tool-call machinery of `irongate._frameworks` against small
stand-ins of a framework's layout: the version report, the sync/async call
paths, the worker-thread hop, and de-duplication of wrapper declarations.
The real frameworks are exercised by tests/integration_frameworks.rs."""

import asyncio
import contextlib
import io
import threading
import types
import unittest
from unittest import mock

import support  # noqa: F401  (bootstrap on sys.path, fake _irongate)

import _irongate
import irongate
from irongate import _frameworks


def block_tool(name):
    def rule(layer, action):
        if action.get("type") == "tool" and action.get("tool_name") == name:
            return ("block", "no")
        return "allow"

    return rule


def fake_smolagents():
    module = types.ModuleType("smolagents.tools")

    class Tool:
        name = "lookup"

        def __call__(self, *args, sanitize_inputs_outputs=False, **kwargs):
            _irongate.decide("hook", '{"type":"file","subtype":"read","path":"/x"}')
            return ("ran", args, kwargs)

    module.Tool = Tool
    return module


class Version(unittest.TestCase):
    def setUp(self):
        _irongate.reset()
        _frameworks._reported.clear()

    def test_unsupported_version_reported_once(self):
        err = io.StringIO()
        with mock.patch("importlib.metadata.version", return_value="9.1.0"), contextlib.redirect_stderr(err):
            _frameworks.PATCHES["smolagents.tools"](fake_smolagents())
            _frameworks.PATCHES["smolagents.tools"](fake_smolagents())
        lines = err.getvalue().splitlines()
        self.assertEqual(len(lines), 1, lines)
        self.assertIn("smolagents: version 9.1.0 is not one IronGate was tested with (1.20 to 1.x)", lines[0])

    def test_supported_version_is_silent(self):
        err = io.StringIO()
        with mock.patch("importlib.metadata.version", return_value="1.26.0"), contextlib.redirect_stderr(err):
            _frameworks.PATCHES["smolagents.tools"](fake_smolagents())
        self.assertEqual(err.getvalue(), "")

    def test_prerelease_and_unreadable_versions(self):
        self.assertEqual(_frameworks._release("1.26.0rc1"), (1, 26))
        self.assertEqual(_frameworks._release("2.0a1"), (2, 0))
        self.assertIsNone(_frameworks._release("dev"))
        err = io.StringIO()
        missing = mock.patch("importlib.metadata.version", side_effect=LookupError("none"))
        with missing, contextlib.redirect_stderr(err):
            _frameworks._check_version("smolagents")
        self.assertIn("smolagents: cannot read its installed version (LookupError)", err.getvalue())

    def test_unrecognised_layout_reported_not_raised(self):
        err = io.StringIO()
        with mock.patch("importlib.metadata.version", return_value="1.26.0"), contextlib.redirect_stderr(err):
            _frameworks.PATCHES["smolagents.tools"](types.ModuleType("smolagents.tools"))
        self.assertIn("smolagents: cannot recognise its tool calls (AttributeError", err.getvalue())


class Calls(unittest.TestCase):
    def setUp(self):
        _irongate.reset()
        with mock.patch("importlib.metadata.version", return_value="1.26.0"):
            self.module = fake_smolagents()
            _frameworks.PATCHES["smolagents.tools"](self.module)

    def test_allowed_call_is_asked_then_ended(self):
        self.assertEqual(self.module.Tool()({"q": "x"}, sanitize_inputs_outputs=True)[0], "ran")
        (layer, action), read = _irongate.decisions()
        self.assertEqual(layer, "hook")
        self.assertEqual(
            (action["tool_name"], action["framework"], action["arg_names"]), ("lookup", "smolagents", ["q"])
        )
        self.assertEqual(read[1]["type"], "file")  # the tool ran after the decision
        self.assertEqual(_irongate.ends(), 1)

    def test_blocked_call_fails_as_the_tool(self):
        _irongate.reset(block_tool("lookup"))
        with self.assertRaises(PermissionError):
            self.module.Tool()(q="x")
        self.assertEqual(len(_irongate.decisions()), 1)  # the tool did not run
        self.assertEqual(_irongate.ends(), 0)

    def test_patch_is_applied_once(self):
        with mock.patch("importlib.metadata.version", return_value="1.26.0"):
            _frameworks.PATCHES["smolagents.tools"](self.module)
        self.module.Tool()(q="x")
        self.assertEqual(len([a for _, a in _irongate.decisions() if a["type"] == "tool"]), 1)

    def test_wrapper_inside_a_hooked_call_is_not_declared_twice(self):
        inner = irongate.tool("lookup")(lambda: "inner")
        other = irongate.tool("other")(lambda: "other")
        seen = []

        def body():
            seen.append((inner(), other()))
            return "ok"

        _frameworks._run(_frameworks._Call("lookup", "smolagents", (), {}), None, body)
        self.assertEqual(seen, [("inner", "other")])
        names = [a["tool_name"] for _, a in _irongate.decisions()]
        self.assertEqual(names, ["lookup", "other"])  # the same name inside is not asked again
        self.assertEqual(_irongate.ends(), 2)
        self.assertFalse(_frameworks.declared("lookup"))  # not after the call


class Hop(unittest.TestCase):
    """A sync tool run by the framework in a worker thread is asked there."""

    def setUp(self):
        _irongate.reset()
        self.threads = []

        async def to_thread(func, *args, **kwargs):
            return await asyncio.get_running_loop().run_in_executor(None, lambda: func(*args, **kwargs))

        self.hop = _frameworks._hop(to_thread)

    def tool(self, x):
        self.threads.append(threading.get_ident())
        return x * 2

    def run_parked(self, name, blocked):
        async def framework_entry():
            call = _frameworks._Call(name, "unit", (), {"x": 2})
            token = _frameworks._park(call, blocked)
            try:
                return await self.hop(self.tool, 2)
            finally:
                _frameworks._unpark(token)

        return asyncio.run(framework_entry())

    def test_asked_in_the_worker(self):
        self.assertEqual(self.run_parked("double", None), 4)
        (action_call,) = [c for c in _irongate.calls if c[0] == "decide" and c[1][1].get("subtype") == "invoke"]
        self.assertEqual(self.threads, [action_call[2]])
        self.assertNotEqual(action_call[2], threading.get_ident())
        self.assertEqual(_irongate.ends(), 1)

    def test_blocked_in_the_worker(self):
        _irongate.reset(block_tool("double"))
        self.assertEqual(self.run_parked("double", lambda message: "error: " + message), "error: IronGate blocked tool/invoke: no")
        self.assertEqual(self.threads, [])

    def test_hop_without_a_parked_call_is_the_real_hop(self):
        self.assertEqual(asyncio.run(self.hop(self.tool, 3)), 6)
        self.assertEqual(_irongate.decisions(), [])

    def test_parked_call_never_taken_is_reported(self):
        err = io.StringIO()
        _frameworks._reported.clear()
        with contextlib.redirect_stderr(err):
            token = _frameworks._park(_frameworks._Call("t", "unit", (), {}), None)
            _frameworks._unpark(token)
        self.assertIn("unit: a sync tool call returned without passing the thread hop", err.getvalue())


if __name__ == "__main__":
    unittest.main()
