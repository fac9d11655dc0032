# Benign work stays clean under the built-in policy and the default profile: importing a broad set
# of stdlib modules (and using a few offline) raises no denial at either layer — in particular nothing
# unexplained is denied: every read they make is a runtime read or an ordinary allowed read.
# irongate: {"exit": 0, "stdout": ["imported 14 modules", "json ok", "sqlite ok", "decimal ok", "xml ok", "zip ok", "csv ok", "email ok", "ssl ok", "asyncio ok"]}
# no-event: {"unexplained": true, "decision": "block"}
# no-event: {"decision": "block"}
# no-event: {"decision": "review"}
import asyncio
import csv
import decimal
import email
import email.message
import http.client
import io
import json
import sqlite3
import ssl
import subprocess
import urllib.request
import xml.etree.ElementTree as ET
import zipfile

mods = [asyncio, csv, decimal, email, http.client, io, json, sqlite3, ssl, subprocess, urllib.request, ET, zipfile, email.message]
print(f"imported {len(mods)} modules")
print("json", "ok" if json.loads(json.dumps({"a": [1, 2]})) == {"a": [1, 2]} else "bad")
db = sqlite3.connect(":memory:")
db.execute("create table t(x)")
db.execute("insert into t values (1)")
print("sqlite", "ok" if db.execute("select x from t").fetchone() == (1,) else "bad")
print("decimal", "ok" if decimal.Decimal("0.1") + decimal.Decimal("0.2") == decimal.Decimal("0.3") else "bad")
print("xml", "ok" if ET.fromstring("<a><b/></a>").find("b") is not None else "bad")
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    z.writestr("x.txt", "hi")
print("zip", "ok" if zipfile.ZipFile(io.BytesIO(buf.getvalue())).read("x.txt") == b"hi" else "bad")
out = io.StringIO()
csv.writer(out).writerow(["a", "b"])
print("csv", "ok" if out.getvalue().strip() == "a,b" else "bad")
m = email.message.EmailMessage()
m["Subject"] = "hi"
print("email", "ok" if m["Subject"] == "hi" else "bad")
ctx = ssl.create_default_context()
print("ssl", "ok" if ctx.verify_mode == ssl.CERT_REQUIRED else "bad")


async def main():
    await asyncio.sleep(0)
    return 1


print("asyncio", "ok" if asyncio.run(main()) == 1 else "bad")
