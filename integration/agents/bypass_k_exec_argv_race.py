# An exec's arguments rewritten after the check: execve cannot be performed for the agent, so the
# kernel re-reads path and argv after the supervisor's answer. In each forked child a second thread
# flips argv[1] between an allowed word and "forbidden" while the first thread calls raw execve of
# /usr/bin/echo through ctypes. The supervisor stops the tasks that share the caller's memory before
# the exec continues and compares the arguments again, so no echo ever prints "forbidden".
# irongate: {"args": ["--profile", "trusted", "--policy", "{VENV}/../../integration/policies/bypass_trusted.json"], "exit": 0, "stdout": ["attempts=150", "forbidden_printed=0"]}
# no-event: {"decision": "allow", "action": {"type": "process", "argv": ["echo", "forbidden"]}}
import ctypes
import os
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from child_output import output_of  # noqa: E402

libc = ctypes.CDLL(None, use_errno=True)
ATTEMPTS = 150
forbidden_printed = 0
for _ in range(ATTEMPTS):
    def child():
        word = ctypes.create_string_buffer(b"hello\0\0\0\0\0")
        argv = (ctypes.c_char_p * 3)(b"echo", ctypes.addressof(word), None)
        argv[1] = ctypes.cast(word, ctypes.c_char_p).value and ctypes.addressof(word)
        argv_ptr = ctypes.cast(argv, ctypes.POINTER(ctypes.c_char_p))
        stop = False

        def flip():
            while not stop:
                ctypes.memmove(word, b"forbidden\0", 10)
                ctypes.memmove(word, b"hello\0\0\0\0\0", 10)

        t = threading.Thread(target=flip, daemon=True)
        t.start()
        envp = (ctypes.c_char_p * 1)(None)
        libc.execve(b"/usr/bin/echo", argv_ptr, envp)
        os._exit(0)
    out = output_of(child)
    if b"forbidden" in out:
        forbidden_printed += 1
print(f"attempts={ATTEMPTS}")
print(f"forbidden_printed={forbidden_printed}")
