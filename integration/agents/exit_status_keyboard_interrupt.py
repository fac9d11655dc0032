# An uncaught KeyboardInterrupt ends the agent the way CPython's CLI does (it re-raises SIGINT on itself), so `irongate run` exits 128+2 = 130.
# irongate: {"exit": 130, "stdout": ["interrupting"], "stderr": ["KeyboardInterrupt"]}
print("interrupting", flush=True)
raise KeyboardInterrupt
