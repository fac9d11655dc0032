# Running out of descriptors is an ordinary error: with RLIMIT_NOFILE lowered, opening allowed files
# until the limit must end in OSError(EMFILE), as without IronGate. The supervisor's injected fd
# (SECCOMP_IOCTL_NOTIF_ADDFD) fails with EMFILE in that case; that error must reach the agent instead of
# leaving the open unanswered in the kernel.
# irongate: {"exit": 0, "timeout": 20, "stdout": ["stopped by: EMFILE", "opened some: True"], "files": {"a.txt": "a"}}
# no-event: {"decision": "block"}
import errno
import os
import resource

soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (32, hard))
fds = []
try:
    for _ in range(64):
        fds.append(os.open("a.txt", os.O_RDONLY))
    print("stopped by: nothing")
except OSError as e:
    print("stopped by:", errno.errorcode.get(e.errno))
print("opened some:", len(fds) > 0)
