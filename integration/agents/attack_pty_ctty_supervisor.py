# The supervisor taking the agent's pty as its controlling terminal (review 7). A session leader without a
# controlling terminal (a container's PID 1, `setsid irongate run`) that opens a terminal without O_NOCTTY
# makes it its own: the supervisor performed the agent's raw open of its own pty slave with the agent's
# flags, so the agent's pty became the supervisor's controlling terminal (`/proc/<irongate>/stat` tty_nr
# 136:0, TIOCGSID on the master = the supervisor's session), and that pty's line discipline signals (^C, ^\,
# ^Z through TIOCSIG, a hang-up on close) were the agent's to send to it — kernel signals, which Landlock's
# signal scope does not see (today only SIGINT/SIGQUIT/SIGHUP, all collected by the supervisor, and SIGTSTP,
# discarded in its orphaned group, can be sent this way). Every open the supervisor performs now adds
# O_NOCTTY. Under the test runner the supervisor is no session leader; by hand:
#   setsid -w irongate run --profile trusted THIS_FILE < /dev/null     (expected: "slave's session is the
#   supervisor's: False")
# irongate: {"args": ["--profile", "trusted"], "exit": 0, "stdout": ["slave opened: True", "slave's session is the supervisor's: False"], "timeout": 60}
import ctypes
import os

libc = ctypes.CDLL(None, use_errno=True)
libc.ptsname.restype = ctypes.c_char_p
TIOCGSID = 0x5429
sup = os.getppid()
master = os.open("/dev/ptmx", os.O_RDWR | os.O_NOCTTY)
libc.unlockpt(master)
slave = libc.open(libc.ptsname(master), os.O_RDWR)  # raw open, no O_NOCTTY
print("slave opened:", slave >= 0, flush=True)
sid = ctypes.c_int(-1)
rc = libc.ioctl(master, TIOCGSID, ctypes.byref(sid))
print("slave's session is the supervisor's:", rc == 0 and sid.value == os.getsid(sup), flush=True)
