"""`python run_jina.py <jina CLI args>` is `jina <jina CLI args>`, plus a parent watchdog.

The test harness (test/support/processes.ts) starts every child in its own process group, so a
Ctrl-C in the terminal or a killed vitest worker never reaches it. The harness keeps this
process's stdin open and never writes to it; EOF on stdin therefore means the parent is gone, and
the watchdog takes the whole group down (SIGTERM, then SIGKILL) instead of leaving an orphaned
executor holding its port.

Unlike `jina`, it prints the command line instead of the ~70-line argument table (the captured
output is shown when a test fails).
"""
import os
import signal
import sys
import threading
import time


def _watch_parent() -> None:
    # os.read on the raw fd, not sys.stdin: a daemon thread blocked inside the buffered reader
    # holds its lock and makes interpreter shutdown abort ("could not acquire lock for <stdin>").
    try:
        while os.read(0, 4096):
            pass
    except OSError:
        pass
    group = os.getpgid(0)
    os.killpg(group, signal.SIGTERM)
    time.sleep(5)
    os.killpg(group, signal.SIGKILL)


if __name__ == '__main__':
    threading.Thread(target=_watch_parent, name='parent-watchdog', daemon=True).start()
    sys.argv = ['jina', *sys.argv[1:]]
    print('run_jina:', ' '.join(sys.argv), flush=True)
    # What jina_cli.main() does for a built-in subcommand, minus the argument table.
    from jina_cli import _get_run_args, api

    args = _get_run_args(print_args=False)
    getattr(api, args.cli.replace('-', '_'))(args)
