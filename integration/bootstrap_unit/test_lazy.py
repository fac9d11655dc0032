"""Start-up cost and robustness of the bootstrap, in fresh interpreters."""

import json
import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

import support


def run_python(code, extra_path=()):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(list(extra_path) + [support.HERE, support.BOOTSTRAP])
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    if proc.returncode != 0:
        raise AssertionError("child failed:\n" + proc.stdout + proc.stderr)
    return json.loads(proc.stdout.strip().splitlines()[-1])


class Lazy(unittest.TestCase):
    def test_import_and_install_import_nothing_heavy(self):
        out = run_python(
            """
            import sys, json
            import _irongate  # the fake imports threading; the native one nothing
            before = set(sys.modules)
            import irongate._enrich
            irongate._enrich.install()
            after = set(sys.modules)
            heavy = ["json", "functools", "inspect", "enum", "threading", "requests",
                     "httpx", "aiohttp", "urllib3", "http.client", "asyncio", "agentshield"]
            print(json.dumps(sorted(m for m in heavy if m in after - before)))
            """
        )
        self.assertEqual(out, [])

    def test_patches_apply_when_imported_and_loaders_are_real(self):
        out = run_python(
            """
            import sys, json
            import irongate._enrich
            irongate._enrich.install()
            import requests, httpx, aiohttp, urllib3, http.client
            import requests.adapters, httpx._client, aiohttp.connector, urllib3.connectionpool
            res = {
              "requests": requests.adapters.HTTPAdapter.send._irongate_enrichment,
              "urllib3": urllib3.connectionpool.HTTPConnectionPool.urlopen._irongate_enrichment,
              "httpx": httpx.Client._send_single_request._irongate_enrichment,
              "httpx_async": httpx.AsyncClient._send_single_request._irongate_enrichment,
              "aiohttp": aiohttp.connector.BaseConnector.connect._irongate_enrichment,
              "http.client": http.client.HTTPConnection.putrequest._irongate_enrichment,
            }
            for name in ("requests.adapters", "httpx._client", "aiohttp.connector",
                         "urllib3.connectionpool", "http.client"):
                m = sys.modules[name]
                res["loader:" + name] = type(m.__loader__).__name__ + "/" + type(m.__spec__.loader).__name__
            print(json.dumps(res))
            """
        )
        for name in ("requests", "urllib3", "httpx", "httpx_async", "aiohttp", "http.client"):
            self.assertIs(out[name], True, name)
        for name in ("requests.adapters", "httpx._client", "aiohttp.connector",
                     "urllib3.connectionpool", "http.client"):
            self.assertEqual(out["loader:" + name], "SourceFileLoader/SourceFileLoader", name)

    def test_already_imported_modules_are_patched_at_install(self):
        out = run_python(
            """
            import json, http.client
            import irongate._enrich
            irongate._enrich.install()
            print(json.dumps(getattr(http.client.HTTPConnection.putrequest,
                                     "_irongate_enrichment", False)))
            """
        )
        self.assertIs(out, True)

    def test_unexpected_library_layout_does_not_break_import(self):
        with tempfile.TemporaryDirectory() as d:
            for pkg, files in {
                "httpx": {"__init__.py": "", "_client.py": "class Client: pass\n"},
                "aiohttp": {"__init__.py": "", "connector.py": "BaseConnector = 3\n"},
                "requests": {"__init__.py": "", "adapters.py": "raise ValueError('lib own error')\n"},
            }.items():
                os.mkdir(os.path.join(d, pkg))
                for name, text in files.items():
                    with open(os.path.join(d, pkg, name), "w") as f:
                        f.write(text)
            out = run_python(
                """
                import json
                import irongate._enrich
                irongate._enrich.install()
                import httpx._client, aiohttp.connector
                try:
                    import requests.adapters
                    err = None
                except ValueError as e:
                    err = str(e)
                print(json.dumps([httpx._client.Client.__name__, aiohttp.connector.BaseConnector, err]))
                """,
                extra_path=[d],
            )
        self.assertEqual(out, ["Client", 3, "lib own error"])


if __name__ == "__main__":
    unittest.main()
