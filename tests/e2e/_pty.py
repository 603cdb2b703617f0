"""Runs a program on a real pseudo-terminal and drives it like a person at a keyboard.

Used by the e2e test of examples/pod_shell.ts (Deno has no pty API). Usage:

    python3 _pty.py STEPS_JSON -- PROGRAM ARGS...

The program gets a new session with the pty's slave as its controlling terminal (stdin,
stdout and stderr), 80x24 at first. STEPS_JSON is a list of steps, run in order:

    {"expect": REGEX, "timeout": S}       wait until the output so far matches (bytes, latin-1)
    {"send": TEXT}                        type TEXT (UTF-8)
    {"resize": [COLS, ROWS]}              set the window size (the kernel sends SIGWINCH)
    {"until": REGEX, "send": TEXT, "tries": N, "every": S}
                                          type TEXT every S seconds until REGEX matches
                                          output that came after the first try (N tries)
    {"mode": "raw"}                       record whether the terminal is in raw mode now
    {"signal": NAME}                      send the signal to the program

Then it waits (20 s at most; then SIGKILL) for the program to exit and prints one JSON
object: {"code", "signal", "output" (latin-1 text), "modes" (one per "mode" step: true if
ECHO and ICANON were off), "restored" (the terminal's attributes after the exit equal those
before the start), "error" (a step that failed, else null)}. It exits 0 unless it could not
run at all.
"""

import fcntl
import json
import os
import re
import select
import signal
import struct
import sys
import termios
import time


def main():
    steps = json.loads(sys.argv[1])
    argv = sys.argv[sys.argv.index("--") + 1:]
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    before = termios.tcgetattr(slave)
    pid = os.fork()
    if pid == 0:
        os.close(master)
        os.setsid()
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
        for fd in (0, 1, 2):
            os.dup2(slave, fd)
        if slave > 2:
            os.close(slave)
        try:
            os.execvp(argv[0], argv)
        finally:
            os._exit(127)

    out = bytearray()

    def pump(timeout):
        r, _, _ = select.select([master], [], [], timeout)
        if r:
            try:
                data = os.read(master, 65536)
            except OSError:
                return False
            out.extend(data)
            return bool(data)
        return False

    def wait_for(pattern, timeout, start=0):
        deadline = time.monotonic() + timeout
        rx = re.compile(pattern.encode("latin-1"))
        while not rx.search(bytes(out[start:])):
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            pump(min(left, 0.1))
        return True

    modes = []
    error = None
    for step in steps:
        if "until" in step:
            start = len(out)
            ok = False
            for _ in range(step.get("tries", 10)):
                os.write(master, step["send"].encode())
                if wait_for(step["until"], step.get("every", 1.0), start):
                    ok = True
                    break
            if not ok:
                error = f"no output matching {step['until']!r}"
                break
        elif "expect" in step:
            if not wait_for(step["expect"], step.get("timeout", 30)):
                error = f"no output matching {step['expect']!r}"
                break
        elif "send" in step:
            os.write(master, step["send"].encode())
        elif "resize" in step:
            cols, rows = step["resize"]
            fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        elif "mode" in step:
            lflag = termios.tcgetattr(slave)[3]
            modes.append(lflag & (termios.ECHO | termios.ICANON) == 0)
        elif "signal" in step:
            os.kill(pid, getattr(signal, step["signal"]))

    deadline = time.monotonic() + 20
    status = None
    while status is None:
        done, st = os.waitpid(pid, os.WNOHANG)
        if done:
            status = st
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            _, status = os.waitpid(pid, 0)
            error = error or "still running 20 s after the last step"
            break
        pump(0.05)
    while pump(0.2):
        pass
    after = termios.tcgetattr(slave)
    json.dump({
        "code": os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else None,
        "signal": os.WTERMSIG(status) if os.WIFSIGNALED(status) else None,
        "output": out.decode("latin-1"),
        "modes": modes,
        "restored": before == after,
        "error": error,
    }, sys.stdout)


main()
