# Run once by the supervised interpreter after initialisation, before the
# agent's code, in a private namespace. Keep it cheap: it is on every start.
#
# Nothing here is trusted: the agent can undo all of it. It only makes the
# embedded `irongate`/`agentshield` packages importable, points
# sys.executable at the launcher (so Python children re-enter IronGate) and
# arms the enrichment import hooks. Decisions are made by the supervisor.
import marshal
import sys
import _irongate
# The import system's own ModuleSpec (importlib.machinery's is this class):
# importing `importlib` would read importlib/__init__ and warnings from disk
# at every start, two trapped opens a plain `python` does not make.
from _frozen_importlib import ModuleSpec


class _EmbeddedFinder:
    """Serves the bootstrap package from the irongate binary."""

    @classmethod
    def find_spec(cls, name, path=None, target=None):
        found = _irongate.code(name)
        if found is None:
            return None
        spec = ModuleSpec(name, cls, origin="irongate:" + name, is_package=found[1])
        if found[1]:
            spec.submodule_search_locations = []
        return spec

    @staticmethod
    def create_module(spec):
        return None

    @staticmethod
    def exec_module(module):
        code, _ = _irongate.code(module.__name__)
        exec(marshal.loads(code), module.__dict__)


sys.meta_path.insert(0, _EmbeddedFinder)

_launcher = _irongate.launcher()
if _launcher:
    sys.executable = _launcher

import irongate._enrich  # noqa: E402  (arms lazy patches; imports nothing heavy)
irongate._enrich.install()
