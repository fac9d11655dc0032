# Enrichment keeps classes classes (R-41, C.35): under `read_only`, isinstance works for requests.Session/HTTPAdapter, httpx.Client, socket.socket and subprocess.Popen, the patched methods keep their names, and no original function is exposed as __wrapped__.
# irongate: {"args": ["--profile", "read_only"], "exit": 0, "stdout": ["requests: True True", "httpx: True", "socket: True", "Popen is a class: True", "names: send _send_single_request", "wrapped exposed: False", "still works: ok GET /isinstance"]}
# event: {"count": 1, "layer": "hook", "decision": "allow", "action": {"type": "network", "subtype": "http", "url": "http://{HTTP}/isinstance", "framework": "requests"}}
import os
import socket
import subprocess

import httpx
import requests
import requests.adapters

s = requests.Session()
print("requests:", isinstance(s, requests.Session), isinstance(s.get_adapter("http://x"), requests.adapters.HTTPAdapter))
with httpx.Client() as c:
    print("httpx:", isinstance(c, httpx.Client))
with socket.socket() as sock:
    print("socket:", isinstance(sock, socket.socket))
print("Popen is a class:", isinstance(subprocess.Popen, type))
print("names:", requests.adapters.HTTPAdapter.send.__name__, httpx.Client._send_single_request.__name__)
print("wrapped exposed:", hasattr(requests.adapters.HTTPAdapter.send, "__wrapped__"))
print("still works:", s.get("http://" + os.environ["IRONGATE_TEST_HTTP"] + "/isinstance", timeout=5).text)
