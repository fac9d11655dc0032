# Waits to be stopped: `docker stop` must reach it as SIGTERM (exit 143).
import sys
import time

print("ready", flush=True)
time.sleep(60)
print("not stopped")
sys.exit(1)
