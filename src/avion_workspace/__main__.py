"""``avion`` (and ``python -m avion_workspace``): the workspace's tasks, the same as ``inv``.

``avion render --check`` is ``inv render --check``; it finds the workspace from the current
directory like every task does.
"""

from __future__ import annotations


def main() -> None:
    import signal

    from avion_workspace.cli import on_interrupt, run_program

    if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:  # ignored by our parent: stays so
        signal.signal(signal.SIGINT, on_interrupt)  # first: Ctrl-C → 130 while invoke loads
    from invoke.program import Program

    from avion_workspace.tasks import build_namespace

    program = Program(namespace=build_namespace(), name="avion", binary="avion", version="0.1.0")
    run_program(program.run)


if __name__ == "__main__":
    main()
