"""The Python API: check, tool, shield.protect, protect_agent, agentshield."""

import asyncio
import math
import os
import threading
import unittest

import support  # noqa: F401  (sys.path, fake _irongate)
from support import _irongate

import irongate


def block_tool(name):
    def rule(layer, action):
        if action.get("type") == "tool" and action.get("tool_name") == name:
            return ("block", "tool_not_allowed")
        return "allow"

    return rule


class Check(unittest.TestCase):
    def setUp(self):
        _irongate.reset()

    def test_allow(self):
        action = {"type": "file", "subtype": "read", "path": "/etc/hosts"}
        self.assertEqual(
            irongate.check(action),
            {"decision": "allow", "reason": "fake_allow", "rule": None},
        )
        self.assertEqual(_irongate.decisions(), [("api", action)])

    def test_block_is_returned_not_raised(self):
        _irongate.reset(lambda layer, action: ("block", "nope"))
        result = irongate.check({"type": "process", "subtype": "exec", "cmd": "sudo x"})
        self.assertEqual(
            result,
            {"decision": "block", "reason": "nope", "rule": {"index": 7, "name": "fake-rule"}},
        )
        self.assertFalse(irongate.shield.evaluate_action({"type": "x"}))
        self.assertEqual(irongate.shield.check({"type": "x"})["decision"], "block")

    def test_non_json_values_and_bad_input(self):
        import pathlib

        irongate.check({"type": "file", "subtype": "read", "path": pathlib.Path("/tmp/p"), "flags": {1}})
        (_, action), = _irongate.decisions()
        self.assertEqual(action["path"], "/tmp/p")
        self.assertEqual(action["flags"], [1])
        with self.assertRaises(TypeError):
            irongate.check("file:/etc/passwd")

    def test_unreachable_supervisor_raises(self):
        _irongate.unreachable = True
        with self.assertRaises(PermissionError):
            irongate.check({"type": "file", "subtype": "read", "path": "/x"})


class ToolDeclarations(unittest.TestCase):
    def setUp(self):
        _irongate.reset()

    def test_sync_allowed_runs_with_action(self):
        @irongate.tool("search", framework="unit")
        def search(query, limit=3, *, lang="en"):
            """Searches."""
            return (query, limit, lang)

        self.assertEqual(search("cats", lang="fr"), ("cats", 3, "fr"))
        self.assertEqual(search.__name__, "search")
        self.assertEqual(search.__doc__, "Searches.")
        self.assertIsNotNone(search.__wrapped__)
        self.assertEqual(
            _irongate.decisions(),
            [
                (
                    "api",
                    {
                        "type": "tool",
                        "subtype": "invoke",
                        "tool_name": "search",
                        "framework": "unit",
                        "arg_names": ["lang", "0"],
                        "args": {"lang": "fr", "0": "cats"},
                    },
                )
            ],
        )
        # the call's end is reported once it returned (its in_tool tag ends)
        self.assertEqual(_irongate.ends(), 1)

    def test_sync_blocked_does_not_run(self):
        ran = []
        _irongate.reset(block_tool("wipe_disk"))

        @irongate.tool("wipe_disk")
        def wipe():
            ran.append(1)

        with self.assertRaises(PermissionError) as cm:
            wipe()
        self.assertEqual(str(cm.exception), "IronGate blocked tool/invoke: tool_not_allowed")
        self.assertEqual(ran, [])
        self.assertEqual(_irongate.ends(), 0)  # nothing in progress to end

    def test_real_exceptions_unchanged(self):
        @irongate.tool("div")
        def div(a, b):
            return a / b

        with self.assertRaises(ZeroDivisionError):
            div(1, 0)

        @irongate.tool("perm")
        def perm():
            raise PermissionError("the tool's own")

        with self.assertRaisesRegex(PermissionError, "the tool's own"):
            perm()

    def test_async(self):
        _irongate.reset(block_tool("bad"))

        @irongate.tool("fetch")
        async def fetch(url):
            await asyncio.sleep(0)
            if url == "boom":
                raise ValueError("boom")
            return url.upper()

        @irongate.tool("bad")
        async def bad():
            raise AssertionError("must not run")

        import inspect

        self.assertTrue(inspect.iscoroutinefunction(fetch))
        self.assertEqual(fetch.__name__, "fetch")
        self.assertEqual(asyncio.run(fetch("x")), "X")
        with self.assertRaises(ValueError):
            asyncio.run(fetch("boom"))
        with self.assertRaises(PermissionError):
            asyncio.run(bad())
        names = [a["tool_name"] for _, a in _irongate.decisions()]
        self.assertEqual(names, ["fetch", "fetch", "bad"])

    def test_bare_decorator_and_methods(self):
        @irongate.tool
        def lookup(key):
            return key

        class Agent:
            @irongate.tool("agent.act")
            def act(self, what):
                return what

        self.assertEqual(lookup(key="k"), "k")
        self.assertEqual(Agent().act("go"), "go")
        actions = [a for _, a in _irongate.decisions()]
        self.assertEqual(actions[0]["tool_name"], "lookup")
        self.assertEqual(actions[1]["tool_name"], "agent.act")
        self.assertEqual(actions[1]["arg_names"], ["0", "1"])
        self.assertTrue(actions[1]["args"]["0"].startswith("<"))

    def test_invoke_and_check(self):
        result = irongate.tool("search").invoke("a", n=2)
        self.assertEqual(result["decision"], "allow")
        (_, action), = _irongate.decisions()
        self.assertEqual(action["arg_names"], ["n", "0"])
        self.assertEqual(action["args"], {"n": 2, "0": "a"})
        self.assertIsNone(action["framework"])
        # a declaration without a body ends at once
        self.assertEqual(_irongate.ends(), 1)
        _irongate.reset(block_tool("search"))
        with self.assertRaises(PermissionError):
            irongate.tool("search").invoke()
        self.assertEqual(irongate.tool("search").check()["decision"], "block")
        with self.assertRaises(TypeError):
            irongate.tool("search")(query="x")
        with self.assertRaises(TypeError):
            irongate.tool(42)

    def test_argument_values_are_bounded_json(self):
        class Weird:
            def __repr__(self):
                raise RuntimeError("no repr")

        big = "x" * 5000
        irongate.tool("t").invoke(
            big,
            Weird(),
            b"\x00bytes",
            math.nan,
            2**80,
            (1, 2),
            {1: "int key"},
            {"nested": {"a": {"b": {"c": {"d": {"e": {"f": 1}}}}}}},
            [list(range(300))],
            "after the budget",
        )
        (_, action), = _irongate.decisions()
        args = action["args"]
        self.assertLess(len(args["0"]), 1100)
        self.assertTrue(args["0"].endswith("...[5000 chars]"))
        self.assertEqual(args["1"], "<Weird object>")
        self.assertEqual(args["2"], repr(b"\x00bytes"))
        self.assertEqual(args["3"], "nan")
        self.assertEqual(args["4"], str(2**80))
        self.assertEqual(args["5"], [1, 2])
        self.assertEqual(args["6"], {"1": "int key"})
        self.assertEqual(args["7"]["nested"]["a"]["b"]["c"]["d"]["e"], "{'f': 1}")
        self.assertIn("...", args["8"][0])
        # Past the item budget an argument still shows, as a short repr.
        self.assertEqual(args["9"], repr("after the budget"))
        import json

        self.assertLess(len(json.dumps(action)), 64 * 1024)
        irongate.tool("huge").invoke(["y" * 2000] * 200)
        self.assertLess(len(json.dumps(_irongate.decisions()[-1][1])), 64 * 1024)


class Protect(unittest.TestCase):
    def setUp(self):
        _irongate.reset()

    def ops(self):
        return [(c[0], c[1]) for c in _irongate.calls if c[0] in ("narrow", "release")]

    def test_context_manager_nesting_and_exceptions(self):
        with irongate.shield.protect(profile="read_only"):
            self.assertEqual(_irongate.current_profiles(), ["read_only"])
            with self.assertRaises(KeyError):
                with irongate.shield.protect("minimal"):
                    self.assertEqual(_irongate.current_profiles(), ["read_only", "minimal"])
                    raise KeyError("x")
            self.assertEqual(_irongate.current_profiles(), ["read_only"])
        self.assertEqual(_irongate.current_profiles(), [])
        self.assertEqual(
            self.ops(),
            [("narrow", "read_only"), ("narrow", "minimal"), ("release", None), ("release", None)],
        )

    def test_default_profile_and_reuse(self):
        p = irongate.shield.protect()
        with p:
            with p:
                self.assertEqual(_irongate.current_profiles(), ["sandboxed", "sandboxed"])
        self.assertEqual(_irongate.current_profiles(), [])

    def test_unknown_profile(self):
        with self.assertRaises(ValueError):
            with irongate.shield.protect("root"):
                self.fail("must not run")
        self.assertEqual(self.ops(), [])

    def test_decorator_sync(self):
        @irongate.shield.protect("read_only")
        def work(x):
            """Doc."""
            self.assertEqual(_irongate.current_profiles(), ["read_only"])
            if x:
                raise OSError("real")
            return 5

        self.assertEqual(work(0), 5)
        with self.assertRaises(OSError):
            work(1)
        self.assertEqual(work.__doc__, "Doc.")
        self.assertEqual(_irongate.current_profiles(), [])
        self.assertEqual([o[0] for o in self.ops()], ["narrow", "release"] * 2)

    def test_protect_agent_forms(self):
        @irongate.protect_agent
        def a():
            return _irongate.current_profiles()

        @irongate.protect_agent(profile="read_only")
        def b():
            return _irongate.current_profiles()

        @irongate.protect_agent(capability_profile="minimal")
        def c():
            return _irongate.current_profiles()

        @irongate.protect_agent("trusted")
        def d():
            return _irongate.current_profiles()

        self.assertEqual([a(), b(), c(), d()], [["sandboxed"], ["read_only"], ["minimal"], ["trusted"]])
        self.assertEqual(_irongate.current_profiles(), [])
        self.assertEqual(irongate.protect_agent(42), 42)
        self.assertEqual(a.__name__, "a")
        with self.assertRaises(TypeError):
            irongate.protect_agent(profile="a", capability_profile="b")

    def test_protect_agent_async_and_exceptions(self):
        @irongate.protect_agent(profile="read_only")
        async def agent(fail):
            await asyncio.sleep(0)
            seen = _irongate.current_profiles()
            if fail:
                raise RuntimeError("agent failed")
            return seen

        import inspect

        self.assertTrue(inspect.iscoroutinefunction(agent))
        self.assertEqual(asyncio.run(agent(False)), ["read_only"])
        with self.assertRaises(RuntimeError):
            asyncio.run(agent(True))
        self.assertEqual(_irongate.current_profiles(), [])
        self.assertEqual([o[0] for o in self.ops()], ["narrow", "release"] * 2)

    def test_interleaved_tasks_end_out_of_order(self):
        # Task A enters read_only, task B enters minimal, A ends first: B
        # must stay under minimal (the supervisor's stack is per thread).
        seen = {}

        async def main():
            b_entered = asyncio.Event()
            a_done = asyncio.Event()

            @irongate.shield.protect("read_only")
            async def task_a():
                await b_entered.wait()

            @irongate.shield.protect("minimal")
            async def task_b():
                b_entered.set()
                await a_done.wait()
                seen["b_after_a"] = _irongate.current_profiles()

            ta = asyncio.ensure_future(task_a())
            tb = asyncio.ensure_future(task_b())
            await ta
            seen["after_a"] = _irongate.current_profiles()
            a_done.set()
            await tb

        asyncio.run(main())
        self.assertEqual(seen["after_a"], ["minimal"])
        self.assertEqual(seen["b_after_a"], ["minimal"])
        self.assertEqual(_irongate.current_profiles(), [])

    def test_threads_are_independent(self):
        results = {}
        barrier = threading.Barrier(2)

        def worker(profile):
            with irongate.shield.protect(profile):
                barrier.wait()
                results[profile] = _irongate.current_profiles()
                barrier.wait()
            results[profile + "_after"] = _irongate.current_profiles()

        threads = [threading.Thread(target=worker, args=(p,)) for p in ("read_only", "minimal")]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(results["read_only"], ["read_only"])
        self.assertEqual(results["minimal"], ["minimal"])
        self.assertEqual(results["read_only_after"], [])
        self.assertEqual(results["minimal_after"], [])

    @unittest.skipUnless(hasattr(os, "fork"), "needs fork")
    def test_fork_keeps_narrowing_in_child(self):
        r, w = os.pipe()
        with irongate.shield.protect("minimal"):
            pid = os.fork()
            if pid == 0:  # child: the fake records calls in the child's memory
                try:
                    ok = _irongate.calls_of("narrow")[-1] == "minimal" and len(
                        _irongate.current_profiles()
                    ) >= 1
                    os.write(w, b"1" if ok else b"0")
                finally:
                    os._exit(0)
            os.close(w)
            self.assertEqual(os.read(r, 1), b"1")
            os.close(r)
            os.waitpid(pid, 0)


class AgentshieldAlias(unittest.TestCase):
    def setUp(self):
        _irongate.reset()

    def test_original_imports(self):
        from agentshield import shield, protect_agent, __version__  # noqa: F401
        import agentshield

        self.assertIs(shield, irongate.shield)
        self.assertIs(protect_agent, irongate.protect_agent)
        self.assertEqual(agentshield.__version__, irongate.__version__)
        for name in agentshield.__all__:
            self.assertTrue(hasattr(agentshield, name), name)
        ns = {}
        exec("from agentshield import *", ns)
        self.assertIn("shield", ns)
        self.assertEqual(agentshield.Decision.BLOCK, "block")
        self.assertIsInstance(shield, agentshield.RuntimeInterceptor)

    def test_shield_protect_with_profile_constant(self):
        import agentshield

        with agentshield.shield.protect(profile=agentshield.PROFILE_READ_ONLY):
            self.assertEqual(_irongate.current_profiles(), ["read_only"])
        self.assertTrue(agentshield.shield.evaluate_action(agentshield.FileAction(subtype="read", path="/x")))
        (_, action), = _irongate.decisions()
        self.assertEqual(action, {"type": "file", "subtype": "read", "path": "/x"})

    def test_policy_evaluate_and_refusals(self):
        import agentshield

        self.assertEqual(agentshield.policy.evaluate({"type": "x"})["decision"], "allow")
        with self.assertRaises(PermissionError):
            agentshield.policy.set_policy({"rules": []})
        with self.assertRaises(PermissionError):
            agentshield.deactivate_audit_hooks()
        with self.assertRaisesRegex(AttributeError, "irongate verify"):
            agentshield.storage.verify_chain()
        self.assertIsNone(agentshield.install_audit_hooks(agentshield.shield.evaluate_action))
        self.assertTrue(agentshield.audit_hooks_available())
        self.assertEqual(agentshield.normalize_action(3), {"type": "unknown"})

    def test_integrations(self):
        from agentshield.integrations.generic_agent_wrapper import (
            wrap_functions_map,
            wrap_instance_methods,
        )
        from agentshield.integrations import wrap_langchain_tools
        import agentshield.audit_hooks

        self.assertTrue(agentshield.audit_hooks.is_available())
        _irongate.reset(block_tool("drop_database"))
        fns = wrap_functions_map({"add": lambda a, b: a + b, "drop_database": lambda: None, "k": 1})
        self.assertEqual(fns["add"](1, 2), 3)
        self.assertEqual(fns["k"], 1)
        with self.assertRaises(PermissionError):
            fns["drop_database"]()

        class Obj:
            def go(self):
                return "went"

        o = wrap_instance_methods(Obj(), ["go", "missing"])
        self.assertEqual(o.go(), "went")

        class FakeTool:  # the shape of langchain's Tool / StructuredTool
            def __init__(self, name, func, coroutine=None):
                self.name, self.func, self.coroutine = name, func, coroutine

            def run(self, x):
                return self.func(x)

        def gen():
            yield FakeTool("echo", lambda x: x)

        tools = wrap_langchain_tools(gen())
        self.assertEqual(len(tools), 1)
        self.assertEqual(tools[0].run("hi"), "hi")
        names = [(a["tool_name"], a["framework"]) for _, a in _irongate.decisions()]
        self.assertEqual(
            names,
            [("add", "generic"), ("drop_database", "generic"), ("go", "generic"), ("echo", "langchain")],
        )
        with self.assertRaises(TypeError):
            wrap_langchain_tools([object()])


if __name__ == "__main__":
    unittest.main()
