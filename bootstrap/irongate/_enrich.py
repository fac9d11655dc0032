"""Context enrichment for the hook layer (R-41).

The native audit hook and the kernel layer enforce; nothing here does. These
patches only give the supervisor the URL and method of an HTTP request (the
audit events of the socket underneath carry an address, not a URL), so the
request is judged as one `network/http` action and the DNS lookup and
connection that follow are explained by it. Undoing a patch gains the agent
nothing: the request is then judged from its socket events.

Patches are armed lazily: `install()` imports none of the libraries; a
meta-path finder wraps the loader of the modules below and patches them right
after they execute.

    requests     requests.adapters.HTTPAdapter.send          (each request, each redirect hop)
    urllib3      urllib3.connectionpool.HTTPConnectionPool.urlopen
    httpx        httpx._client.Client._send_single_request   (sync; each hop)
                 httpx._client.AsyncClient._send_single_request (async; each hop)
    httpx2       httpx2._client.Client / AsyncClient, the same methods (the fork
                 openai >= 3 and anthropic >= 2 use)
    aiohttp      aiohttp.connector.BaseConnector.connect      (each hop of ClientSession)
    http.client  http.client.HTTPConnection.putrequest        (urllib.request included)
    os.open      notes dir_fd for the native hook (the `open` event lacks it)

Nesting rule: a ContextVar holds the library of the enriched request in
progress. A patched call inside a request of *another* library is that
request's transport (requests -> urllib3 -> http.client) and is not decided
again; a patched call outside any, or inside one of the same library (a
redirect hop, a request made from an auth callback), is a request of its own
and is decided.

A patch that does not fit the installed version of a library is skipped
silently: the import of the library never fails because of it.
"""

import os
import sys

import _irongate
from _contextvars import ContextVar

#: The library of the enriched request in progress in this context.
_current = ContextVar("irongate_enriched_request", default=None)

_json_dumps = None


def _decide(url, method, framework):
    global _json_dumps
    if _json_dumps is None:
        import json

        _json_dumps = json.dumps
    action = {
        "type": "network",
        "subtype": "http",
        "url": url,
        "method": method,
        "framework": framework,
    }
    decision, reason, _rule, message = _irongate.decide(
        "hook", _json_dumps(action, ensure_ascii=False, separators=(",", ":"))
    )
    if decision != "allow":
        raise PermissionError(
            message or "irongate: %s %s blocked: %s" % (method, url, reason)
        )


# --------------------------------------------------------------------------
# Building the URL and method of one request


def _text(value):
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("latin-1")
    return str(value)


def _full_url(scheme, host, port, target):
    """The absolute URL of a request for `target` (a path, or already an
    absolute URL when sent to a proxy) on host:port."""
    target = _text(target)
    low = target[:8].lower()
    if low.startswith("http://") or low.startswith("https://"):
        return target
    host = _text(host)
    if ":" in host and not host.startswith("["):
        host = "[%s]" % host
    default = 443 if scheme == "https" else 80
    if port is None or int(port) == default:
        netloc = host
    else:
        netloc = "%s:%d" % (host, int(port))
    if not target.startswith("/"):
        target = "/" + target if target != "*" else "/"
    return "%s://%s%s" % (scheme, netloc, target)


def _method(value):
    return _text(value).upper()


def _describe_prepared(adapter, request, *args, **kwargs):
    # requests: HTTPAdapter.send(self, request, stream, timeout, verify, cert, proxies)
    return _text(request.url), _method(request.method)


def _describe_pool(pool, method, url, *args, **kwargs):
    # urllib3: HTTPConnectionPool.urlopen(self, method, url, body, headers, ...)
    return _full_url(pool.scheme, pool.host, pool.port, url), _method(method)


_https_connection = None


def _describe_putrequest(conn, method, url, *args, **kwargs):
    # http.client: HTTPConnection.putrequest(self, method, url, skip_host, ...)
    https = (
        _https_connection is not None and isinstance(conn, _https_connection)
    ) or getattr(conn, "default_port", 80) == 443
    scheme = "https" if https else "http"
    host, port = conn.host, conn.port
    if getattr(conn, "_tunnel_host", None):  # CONNECT through a proxy
        host, port = conn._tunnel_host, conn._tunnel_port
    return _full_url(scheme, host, port, url), _method(method)


def _describe_httpx(client, request, *args, **kwargs):
    # httpx: Client._send_single_request(self, request)
    return _text(request.url), _method(request.method)


def _describe_aiohttp(connector, req, *args, **kwargs):
    # aiohttp: BaseConnector.connect(self, req, traces, timeout)
    return _text(req.url), _method(req.method)


# --------------------------------------------------------------------------
# Wrappers


def _copy_metadata(wrapper, real):
    # No functools.wraps: it would expose the original as __wrapped__.
    for attr in ("__module__", "__name__", "__qualname__", "__doc__"):
        try:
            setattr(wrapper, attr, getattr(real, attr))
        except (AttributeError, TypeError):
            pass
    wrapper._irongate_enrichment = True
    return wrapper


def _wrap_sync(real, framework, describe):
    def enriched(*args, **kwargs):
        current = _current.get()
        if current is not None and current != framework:
            return real(*args, **kwargs)  # the transport of another request
        try:
            url, method = describe(*args, **kwargs)
        except Exception:
            # Arguments this version does not expect: the library reports
            # its own error, and the socket events are judged as they are.
            return real(*args, **kwargs)
        _decide(url, method, framework)
        token = _current.set(framework)
        try:
            return real(*args, **kwargs)
        finally:
            _current.reset(token)

    return _copy_metadata(enriched, real)


def _wrap_async(real, framework, describe):
    async def enriched(*args, **kwargs):
        current = _current.get()
        if current is not None and current != framework:
            return await real(*args, **kwargs)
        try:
            url, method = describe(*args, **kwargs)
        except Exception:
            return await real(*args, **kwargs)
        _decide(url, method, framework)
        token = _current.set(framework)
        try:
            return await real(*args, **kwargs)
        finally:
            _current.reset(token)

    return _copy_metadata(enriched, real)


def _patch_method(cls, name, wrap, framework, describe):
    real = cls.__dict__[name]  # KeyError: not this version's layout -> skipped
    if getattr(real, "_irongate_enrichment", False):
        return
    if not callable(real):
        raise TypeError(name)
    setattr(cls, name, wrap(real, framework, describe))


# --------------------------------------------------------------------------
# Per-module patches (each runs right after its module executed)


def _patch_requests(module):
    _patch_method(module.HTTPAdapter, "send", _wrap_sync, "requests", _describe_prepared)


def _patch_urllib3(module):
    _patch_method(
        module.HTTPConnectionPool, "urlopen", _wrap_sync, "urllib3", _describe_pool
    )


def _patch_http_client(module):
    global _https_connection
    _https_connection = getattr(module, "HTTPSConnection", None)
    _patch_method(
        module.HTTPConnection,
        "putrequest",
        _wrap_sync,
        "http.client",
        _describe_putrequest,
    )


def _patch_httpx(module):
    # Patched separately so a change in one client keeps the other.
    _safely(
        _patch_method,
        module.Client,
        "_send_single_request",
        _wrap_sync,
        "httpx",
        _describe_httpx,
    )
    _safely(
        _patch_method,
        module.AsyncClient,
        "_send_single_request",
        _wrap_async,
        "httpx",
        _describe_httpx,
    )


def _patch_httpx2(module):
    # httpx2 keeps httpx's layout; its own name in the log.
    for cls, wrap in ((module.Client, _wrap_sync), (module.AsyncClient, _wrap_async)):
        _safely(
            _patch_method, cls, "_send_single_request", wrap, "httpx2", _describe_httpx
        )


def _patch_aiohttp(module):
    _patch_method(
        module.BaseConnector, "connect", _wrap_async, "aiohttp", _describe_aiohttp
    )


_PATCHES = {
    "requests.adapters": _patch_requests,
    "urllib3.connectionpool": _patch_urllib3,
    "http.client": _patch_http_client,
    "httpx._client": _patch_httpx,
    "httpx2._client": _patch_httpx2,
    "aiohttp.connector": _patch_aiohttp,
}


def _safely(fn, *args):
    try:
        fn(*args)
    except Exception:
        pass


# --------------------------------------------------------------------------
# Lazy arming


class _PatchingLoader:
    """Stands in for a target module's loader during its import only: runs
    the real loader, then the patch. The module keeps the real loader."""

    def __init__(self, real, patch):
        self._real = real
        self._patch = patch

    def create_module(self, spec):
        create = getattr(self._real, "create_module", None)
        return create(spec) if create is not None else None

    def exec_module(self, module):
        real = self._real
        spec = getattr(module, "__spec__", None)
        if spec is not None and spec.loader is self:
            spec.loader = real
        if getattr(module, "__loader__", None) is self:
            module.__loader__ = real
        real.exec_module(module)
        _safely(self._patch, module)

    def __getattr__(self, name):
        return getattr(self._real, name)


class _EnrichFinder:
    """Finds nothing itself: asks the other finders for the target modules
    and wraps their loader."""

    @classmethod
    def find_spec(cls, name, path=None, target=None):
        patch = _PATCHES.get(name)
        if patch is None:
            return None
        for finder in list(sys.meta_path):
            if finder is cls:
                continue
            find = getattr(finder, "find_spec", None)
            if find is None:
                continue
            spec = find(name, path, target)
            if spec is not None:
                break
        else:
            return None
        try:
            loader = spec.loader
            if loader is not None and hasattr(loader, "exec_module"):
                spec.loader = _PatchingLoader(loader, patch)
        except Exception:
            pass  # an unusual spec: imported unpatched
        return spec


# --------------------------------------------------------------------------
# os.open: dir_fd noting

try:
    from _operator import index as _index
except ImportError:  # pragma: no cover
    from operator import index as _index


def _patch_os_open():
    real_open = os.open
    if getattr(real_open, "_irongate_enrichment", False):
        return
    note = _irongate.note_dir_fd
    fspath = os.fspath

    def open(path, flags, mode=0o777, *, dir_fd=None):
        if dir_fd is None:
            try:
                return real_open(path, flags, mode)
            except PermissionError:
                _raise_refusal()
                raise
        # Convert first, so that no Python code (__fspath__, __index__) runs
        # between the note and the `open` audit event that consumes it.
        path = fspath(path)
        flags = _index(flags)
        mode = _index(mode)
        dir_fd = _index(dir_fd)
        note(dir_fd)
        try:
            return real_open(path, flags, mode, dir_fd=dir_fd)
        except PermissionError:
            _raise_refusal()
            raise
        finally:
            note(None)

    _copy_metadata(open, real_open)
    os.open = open


# --------------------------------------------------------------------------
# open(): the supervisor's reason for a refused open
#
# The hook does not wait for the verdict of an open (its syscall carries
# it, R-91), so a refused open fails with the kernel's plain EACCES; the
# reason (action, rule) is then fetched and raised instead, as the hook
# itself would have raised it.


def _raise_refusal():
    message = _irongate.noted_refusal()
    if message is not None:
        raise PermissionError(message) from None


def _patch_builtin_open():
    import builtins
    import io

    real_open = builtins.open
    if getattr(real_open, "_irongate_enrichment", False):
        return

    def open(*args, **kwargs):
        try:
            return real_open(*args, **kwargs)
        except PermissionError:
            _raise_refusal()
            raise

    _copy_metadata(open, real_open)
    builtins.open = open
    if io.open is real_open:
        io.open = open


def install():
    """Arms the enrichment. Called once by the bootstrap; imports nothing."""
    _safely(_patch_os_open)
    _safely(_patch_builtin_open)
    try:
        from irongate._frameworks import PATCHES as frameworks

        _PATCHES.update(frameworks)
    except Exception:
        pass
    for name, patch in _PATCHES.items():
        module = sys.modules.get(name)
        if module is not None:
            _safely(patch, module)
    if _EnrichFinder not in sys.meta_path:
        sys.meta_path.insert(0, _EnrichFinder)
