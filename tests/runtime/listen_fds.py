"""listen_fds.py FD COMMAND [ARGS...]: run COMMAND with the listening socket FD passed in as systemd passes
it (sd_listen_fds(3)): as fd 3, with LISTEN_FDS=1 and LISTEN_PID set to COMMAND's pid (this process's:
exec keeps it), LISTEN_FDNAMES its name. The test harness holds the socket meanwhile, as a socket unit does."""

import os
import sys

fd = int(sys.argv[1])
if fd != 3:
    os.dup2(fd, 3)  # inheritable
    os.close(fd)
os.environ.update(LISTEN_FDS="1", LISTEN_PID=str(os.getpid()), LISTEN_FDNAMES="test.socket")
os.execvp(sys.argv[2], sys.argv[2:])
