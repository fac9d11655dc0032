# Benign work stays clean with the calls performed on the agent's behalf: pip (a Python child of the
# agent) installs a small wheel built here into a target directory under /tmp — its temp dirs, renames,
# chmods and unlinks are all judged at the kernel layer and performed by the supervisor — and the
# package then imports. A multiprocessing pool runs too. Nothing unexplained is denied.
# irongate: {"args": ["--profile", "trusted", "--policy", "{VENV}/../../integration/policies/bypass_trusted.json"], "exit": 0, "stdout": ["pip: 0", "tinypkg says hi", "pool: [0, 1, 4, 9]"]}
# event: {"decision": "allow", "layer": "hook", "action": {"type": "process", "process_class": "python_child"}}
# no-event: {"unexplained": true, "decision": "block"}
import multiprocessing
import os
import subprocess
import sys
import zipfile

work = os.getcwd()
wheel = os.path.join(work, "tinypkg-1.0-py3-none-any.whl")
dist = "tinypkg-1.0.dist-info"
with zipfile.ZipFile(wheel, "w") as z:
    z.writestr("tinypkg/__init__.py", "def hi():\n    return 'tinypkg says hi'\n")
    z.writestr(f"{dist}/METADATA", "Metadata-Version: 2.1\nName: tinypkg\nVersion: 1.0\n")
    z.writestr(f"{dist}/WHEEL", "Wheel-Version: 1.0\nGenerator: hand\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
    z.writestr(f"{dist}/RECORD", "")
target = os.path.join(work, "site")
r = subprocess.run(
    [sys.executable, "-m", "pip", "install", "-q", "--no-index", "--no-deps",
     "--disable-pip-version-check", "--no-cache-dir", "--target", target, wheel],
    capture_output=True, text=True,
)
print("pip:", r.returncode, r.stderr[-2000:] if r.returncode else "")
sys.path.insert(0, target)
import tinypkg  # noqa: E402

print(tinypkg.hi())


def square(x):
    return x * x


if __name__ == "__main__":
    with multiprocessing.Pool(2) as pool:
        print("pool:", pool.map(square, range(4)))
