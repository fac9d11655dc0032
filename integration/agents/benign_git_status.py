# Benign work stays clean: an agent creates a repository and runs git (init, add, commit, status) through
# subprocess under a policy that lets git run and files under /tmp change. Everything git itself does at
# the kernel layer (its opens, writes, renames of .git/index.lock, its own helper execs) is either
# explained or allowed; nothing unexplained is denied.
# irongate: {"args": ["--profile", "trusted", "--policy", "{VENV}/../../integration/policies/bypass_trusted.json"], "exit": 0, "stdout": ["init: 0", "commit: 0", "status: 0", "## main", "?? new.txt"], "files": {"repo/a.txt": "a"}}
# event: {"decision": "allow", "layer": "hook", "action": {"type": "process", "argv": ["git", "status", "--short", "--branch"]}}
# no-event: {"unexplained": true, "decision": "block"}
import os
import subprocess

os.chdir("repo")
env = dict(os.environ, GIT_AUTHOR_NAME="a", GIT_AUTHOR_EMAIL="a@x", GIT_COMMITTER_NAME="a",
           GIT_COMMITTER_EMAIL="a@x", GIT_CONFIG_NOSYSTEM="1", HOME=os.getcwd())
run = lambda *a: subprocess.run(["git", *a], capture_output=True, text=True, env=env)
print("init:", run("init", "-q", "-b", "main").returncode)
run("add", "a.txt")
print("commit:", run("commit", "-q", "-m", "first").returncode)
with open("new.txt", "w") as f:
    f.write("new")
p = run("status", "--short", "--branch")
print("status:", p.returncode)
print(p.stdout, p.stderr)
