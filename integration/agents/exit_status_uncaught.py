# An uncaught exception ends the run with status 1 and the traceback on stderr (Py_RunMain CLI semantics, R-1, R-10).
# irongate: {"exit": 1, "stdout": ["before the error"], "stderr": ["Traceback (most recent call last):", "exit_status_uncaught.py", "ValueError: agent failed on purpose"]}
print("before the error", flush=True)
raise ValueError("agent failed on purpose")
