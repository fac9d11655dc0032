"""HTTP enrichment: one decision per request, blocks before any byte is
sent, real errors unchanged, classes stay classes."""

import asyncio
import http.client
import unittest
import urllib.error
import urllib.request

import support
from support import _irongate

import aiohttp
import httpx
import httpx2
import requests
import urllib3


class HttpEnrichment(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = support.Server()

    @classmethod
    def tearDownClass(cls):
        cls.server.close()

    def setUp(self):
        _irongate.reset()
        self.server.httpd.seen.clear()
        del support.connects[:]

    # helpers ---------------------------------------------------------------

    def assert_one_decision(self, url, method, framework):
        decisions = _irongate.decisions()
        self.assertEqual(
            decisions,
            [
                (
                    "hook",
                    {
                        "type": "network",
                        "subtype": "http",
                        "url": url,
                        "method": method,
                        "framework": framework,
                    },
                )
            ],
        )

    def assert_nothing_reached_server(self):
        self.assertEqual(self.server.seen, [])
        self.assertEqual(support.connects_to(self.server.port), [])

    def assert_blocked_message(self, cm):
        self.assertEqual(
            str(cm.exception), "IronGate blocked network/http: test_denies_network"
        )

    # requests --------------------------------------------------------------

    def test_requests_get_allowed_is_one_decision(self):
        r = requests.get(self.server.url("/ok?q=1"), timeout=10)
        self.assertEqual((r.status_code, r.text), (200, "ok"))
        self.assert_one_decision(self.server.url("/ok?q=1"), "GET", "requests")
        self.assertEqual(self.server.seen, [("GET", "/ok?q=1")])

    def test_requests_session_post(self):
        with requests.Session() as s:
            r = s.post(self.server.url("/p"), data=b"abc", timeout=10)
        self.assertEqual(r.status_code, 200)
        self.assert_one_decision(self.server.url("/p"), "POST", "requests")

    def test_requests_blocked_sends_nothing(self):
        _irongate.reset(support.block_http)
        with self.assertRaises(PermissionError) as cm:
            requests.get(self.server.url("/secret"), timeout=10)
        self.assert_blocked_message(cm)
        self.assert_one_decision(self.server.url("/secret"), "GET", "requests")
        self.assert_nothing_reached_server()

    def test_requests_each_redirect_hop_is_decided(self):
        r = requests.get(self.server.url("/redirect"), timeout=10)
        self.assertEqual(r.status_code, 200)
        urls = [a["url"] for _, a in _irongate.decisions()]
        self.assertEqual(urls, [self.server.url("/redirect"), self.server.url("/ok")])

    def test_requests_blocked_redirect_target(self):
        def rule(layer, action):
            return ("block", "no_ok") if action["url"].endswith("/ok") else "allow"

        _irongate.reset(rule)
        with self.assertRaises(PermissionError):
            requests.get(self.server.url("/redirect"), timeout=10)
        self.assertEqual(self.server.seen, [("GET", "/redirect")])

    def test_requests_connection_refused_unchanged(self):
        port = support.closed_port()
        with self.assertRaises(requests.exceptions.ConnectionError) as cm:
            requests.get("http://127.0.0.1:%d/x" % port, timeout=10)
        self.assertNotIsInstance(cm.exception, PermissionError)
        self.assert_one_decision("http://127.0.0.1:%d/x" % port, "GET", "requests")

    def test_requests_other_errors_unchanged(self):
        with self.assertRaises(requests.exceptions.InvalidURL):
            requests.get("http://", timeout=10)
        with self.assertRaises(requests.exceptions.MissingSchema):
            requests.get("example.com/x", timeout=10)
        with self.assertRaises(requests.exceptions.InvalidSchema):
            requests.get("ftp://example.com/x", timeout=10)
        self.assertEqual(_irongate.decisions(), [])

    def test_requests_classes_stay_classes(self):
        self.assertIsInstance(requests.Session(), requests.Session)
        self.assertIsInstance(requests.adapters.HTTPAdapter(), requests.adapters.HTTPAdapter)

        class MyAdapter(requests.adapters.HTTPAdapter):
            def send(self, request, **kwargs):
                request.headers["X-Mine"] = "1"
                return super().send(request, **kwargs)

        s = requests.Session()
        s.mount("http://", MyAdapter())
        self.assertEqual(s.get(self.server.url("/sub"), timeout=10).status_code, 200)
        self.assert_one_decision(self.server.url("/sub"), "GET", "requests")
        self.assertFalse(hasattr(requests.adapters.HTTPAdapter.send, "__wrapped__"))
        self.assertEqual(requests.adapters.HTTPAdapter.send.__name__, "send")

    def test_supervisor_unreachable_fails_closed(self):
        _irongate.reset()
        _irongate.unreachable = True
        with self.assertRaises(PermissionError):
            requests.get(self.server.url("/x"), timeout=10)
        self.assert_nothing_reached_server()

    # urllib3 ---------------------------------------------------------------

    def test_urllib3_direct_is_one_decision(self):
        pool = urllib3.PoolManager()
        r = pool.request("GET", self.server.url("/u3"))
        self.assertEqual(r.status, 200)
        self.assert_one_decision(self.server.url("/u3"), "GET", "urllib3")

    def test_urllib3_blocked(self):
        _irongate.reset(support.block_http)
        pool = urllib3.PoolManager()
        with self.assertRaises(PermissionError):
            pool.request("GET", self.server.url("/u3"))
        self.assert_nothing_reached_server()

    # httpx -----------------------------------------------------------------

    def test_httpx_sync_allowed(self):
        with httpx.Client() as c:
            r = c.get(self.server.url("/hx"))
        self.assertEqual((r.status_code, r.text), (200, "ok"))
        self.assert_one_decision(self.server.url("/hx"), "GET", "httpx")

    def test_httpx_module_helper_and_redirects(self):
        r = httpx.get(self.server.url("/redirect"), follow_redirects=True)
        self.assertEqual(r.status_code, 200)
        urls = [a["url"] for _, a in _irongate.decisions()]
        self.assertEqual(urls, [self.server.url("/redirect"), self.server.url("/ok")])

    def test_httpx_sync_blocked(self):
        _irongate.reset(support.block_http)
        with self.assertRaises(PermissionError) as cm:
            httpx.post(self.server.url("/hx"), content=b"x")
        self.assert_blocked_message(cm)
        self.assert_one_decision(self.server.url("/hx"), "POST", "httpx")
        self.assert_nothing_reached_server()

    def test_httpx_connect_error_unchanged(self):
        port = support.closed_port()
        with self.assertRaises(httpx.ConnectError):
            httpx.get("http://127.0.0.1:%d/" % port)
        self.assertEqual(len(_irongate.decisions()), 1)

    def test_httpx_async(self):
        async def main():
            async with httpx.AsyncClient() as c:
                return await asyncio.gather(
                    c.get(self.server.url("/a1")), c.get(self.server.url("/a2"))
                )

        responses = asyncio.run(main())
        self.assertEqual([r.status_code for r in responses], [200, 200])
        urls = sorted(a["url"] for _, a in _irongate.decisions())
        self.assertEqual(urls, [self.server.url("/a1"), self.server.url("/a2")])
        self.assertEqual({a["framework"] for _, a in _irongate.decisions()}, {"httpx"})

    def test_httpx_async_blocked(self):
        _irongate.reset(support.block_http)

        async def main():
            async with httpx.AsyncClient() as c:
                await c.get(self.server.url("/a"))

        with self.assertRaises(PermissionError):
            asyncio.run(main())
        self.assert_one_decision(self.server.url("/a"), "GET", "httpx")
        self.assert_nothing_reached_server()

    # httpx2 (openai >= 3, anthropic >= 2) ----------------------------------

    def test_httpx2_sync_and_async(self):
        with httpx2.Client() as c:
            r = c.get(self.server.url("/h2"))
        self.assertEqual((r.status_code, r.text), (200, "ok"))
        self.assert_one_decision(self.server.url("/h2"), "GET", "httpx2")
        _irongate.reset()

        async def main():
            async with httpx2.AsyncClient() as c:
                return await c.post(self.server.url("/h2a"), content=b"x")

        self.assertEqual(asyncio.run(main()).status_code, 200)
        self.assert_one_decision(self.server.url("/h2a"), "POST", "httpx2")
        self.assertTrue(isinstance(httpx2.Client(), httpx2.Client))

    def test_httpx2_blocked(self):
        _irongate.reset(support.block_http)
        with self.assertRaises(PermissionError) as cm:
            httpx2.get(self.server.url("/h2"))
        self.assert_blocked_message(cm)
        self.assert_nothing_reached_server()

    def test_httpx_async_connect_error_unchanged(self):
        port = support.closed_port()

        async def main():
            async with httpx.AsyncClient() as c:
                await c.get("http://127.0.0.1:%d/" % port)

        with self.assertRaises(httpx.ConnectError):
            asyncio.run(main())

    def test_httpx_classes_stay_classes(self):
        import inspect

        self.assertIsInstance(httpx.Client(), httpx.Client)
        self.assertIsInstance(httpx.AsyncClient(), httpx.AsyncClient)

        class Mine(httpx.Client):
            pass

        with Mine() as c:
            self.assertEqual(c.get(self.server.url("/m")).status_code, 200)
        self.assertTrue(inspect.iscoroutinefunction(httpx.AsyncClient._send_single_request))

    def test_httpx_mock_transport_is_still_one_decision(self):
        transport = httpx.MockTransport(lambda request: httpx.Response(204))
        with httpx.Client(transport=transport) as c:
            self.assertEqual(c.get("http://example.invalid/x").status_code, 204)
        self.assert_one_decision("http://example.invalid/x", "GET", "httpx")

    def test_request_inside_another_librarys_request_is_its_transport(self):
        # A transport that performs the request with requests: the httpx
        # request is the operation; requests underneath it is not decided.
        def handler(request):
            r = requests.get(str(request.url), timeout=10)
            return httpx.Response(r.status_code, content=r.content)

        with httpx.Client(transport=httpx.MockTransport(handler)) as c:
            self.assertEqual(c.get(self.server.url("/nested")).text, "ok")
        self.assert_one_decision(self.server.url("/nested"), "GET", "httpx")
        # ...and the marker does not outlive it.
        requests.get(self.server.url("/after"), timeout=10)
        self.assertEqual(
            [a["framework"] for _, a in _irongate.decisions()], ["httpx", "requests"]
        )

    # aiohttp ---------------------------------------------------------------

    def test_aiohttp_session_allowed(self):
        async def main():
            async with aiohttp.ClientSession() as s:
                async with s.get(self.server.url("/ai?x=1")) as r:
                    return r.status, await r.text()

        self.assertEqual(asyncio.run(main()), (200, "ok"))
        self.assert_one_decision(self.server.url("/ai?x=1"), "GET", "aiohttp")

    def test_aiohttp_concurrent_and_redirect(self):
        async def main():
            async with aiohttp.ClientSession() as s:

                async def one(path):
                    async with s.get(self.server.url(path)) as r:
                        return r.status

                return await asyncio.gather(one("/c1"), one("/redirect"), one("/c2"))

        self.assertEqual(asyncio.run(main()), [200, 200, 200])
        urls = sorted(a["url"] for _, a in _irongate.decisions())
        expected = sorted(self.server.url(p) for p in ("/c1", "/redirect", "/ok", "/c2"))
        self.assertEqual(urls, expected)

    def test_aiohttp_blocked(self):
        _irongate.reset(support.block_http)

        async def main():
            async with aiohttp.ClientSession() as s:
                async with s.post(self.server.url("/ai"), data=b"x") as r:
                    return r.status

        with self.assertRaises(PermissionError) as cm:
            asyncio.run(main())
        self.assert_blocked_message(cm)
        self.assert_one_decision(self.server.url("/ai"), "POST", "aiohttp")
        self.assert_nothing_reached_server()

    def test_aiohttp_connection_refused_unchanged(self):
        port = support.closed_port()

        async def main():
            async with aiohttp.ClientSession() as s:
                async with s.get("http://127.0.0.1:%d/" % port) as r:
                    return r.status

        with self.assertRaises(aiohttp.ClientConnectorError):
            asyncio.run(main())
        self.assertEqual(len(_irongate.decisions()), 1)

    def test_aiohttp_classes_stay_classes(self):
        async def main():
            class Mine(aiohttp.TCPConnector):
                pass

            async with aiohttp.ClientSession(connector=Mine()) as s:
                self.assertIsInstance(s, aiohttp.ClientSession)
                self.assertIsInstance(s.connector, aiohttp.BaseConnector)
                async with s.get(self.server.url("/sub")) as r:
                    return r.status

        self.assertEqual(asyncio.run(main()), 200)
        self.assertEqual(len(_irongate.decisions()), 1)

    # http.client and urllib.request -----------------------------------------

    def test_http_client_allowed(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)
        conn.request("GET", "/hc")
        r = conn.getresponse()
        self.assertEqual((r.status, r.read()), (200, b"ok"))
        conn.close()
        self.assert_one_decision(self.server.url("/hc"), "GET", "http.client")

    def test_http_client_blocked(self):
        _irongate.reset(support.block_http)
        conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=10)
        with self.assertRaises(PermissionError):
            conn.request("DELETE", "/hc")
        conn.close()
        self.assert_one_decision(self.server.url("/hc"), "DELETE", "http.client")
        self.assert_nothing_reached_server()

    def test_http_client_urls(self):
        _irongate.reset(support.block_http)
        cases = [
            (http.client.HTTPSConnection("example.com"), "/a", "https://example.com/a"),
            (http.client.HTTPSConnection("example.com", 8443), "/a", "https://example.com:8443/a"),
            (http.client.HTTPConnection("example.com:81"), "/b?c=d", "http://example.com:81/b?c=d"),
            (http.client.HTTPConnection("::1", 8080), "/", "http://[::1]:8080/"),
            (http.client.HTTPConnection("proxy", 3128), "http://t.example/x", "http://t.example/x"),
        ]
        tunnel = http.client.HTTPSConnection("proxy", 3128)
        tunnel.set_tunnel("inner.example", 443)
        cases.append((tunnel, "/t", "https://inner.example/t"))
        for conn, path, url in cases:
            with self.assertRaises(PermissionError):
                conn.request("GET", path)
        self.assertEqual([a["url"] for _, a in _irongate.decisions()], [c[2] for c in cases])

    def test_http_client_refused_unchanged(self):
        port = support.closed_port()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        with self.assertRaises(ConnectionRefusedError):
            conn.request("GET", "/")
        self.assertEqual(len(_irongate.decisions()), 1)

    def test_http_client_classes_stay_classes(self):
        class Mine(http.client.HTTPConnection):
            pass

        conn = Mine("127.0.0.1", self.server.port, timeout=10)
        self.assertIsInstance(conn, http.client.HTTPConnection)
        conn.request("GET", "/mine")
        self.assertEqual(conn.getresponse().status, 200)
        conn.close()
        self.assertIsInstance(http.client.HTTPSConnection("x"), http.client.HTTPConnection)

    def test_urllib_request_decides_at_http_client(self):
        with urllib.request.urlopen(self.server.url("/ul"), timeout=10) as r:
            self.assertEqual(r.read(), b"ok")
        self.assert_one_decision(self.server.url("/ul"), "GET", "http.client")

    def test_urllib_request_errors_unchanged(self):
        port = support.closed_port()
        with self.assertRaises(urllib.error.URLError) as cm:
            urllib.request.urlopen("http://127.0.0.1:%d/" % port, timeout=10)
        self.assertIsInstance(cm.exception.reason, ConnectionRefusedError)


if __name__ == "__main__":
    unittest.main()
