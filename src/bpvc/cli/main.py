"""The ``bpvc`` command: a thin layer over the library.

Exit codes (see :mod:`bpvc.cli.fileio`): 0 done; 1 the input was judged and found wanting (not
verified, invalid, refused); 2 the command could not run as asked (usage, a file that cannot be
read or written, a bad configuration file, a registry that cannot be opened). Every failure is
one line, never a traceback. Files are written atomically, so a failed command leaves no
partial output.

This module builds the root group and adds each command group, which lives in the module named
for it (``bpvc keys`` in :mod:`bpvc.cli.keys`, ``bpvc issue credential`` in :mod:`bpvc.cli.issue`, ...).
"""

from __future__ import annotations

import os
import sqlite3
import sys
from typing import Any

import click

from ..errors import BpvcError, KeyFileError
from ..files import terminate_cleanly
from ..status.registry import RegistryUnavailableError
from . import (
    audit,
    cf,
    contexts,
    export,
    issue,
    keys,
    policy,
    qr,
    records,
    schema,
    serve,
    status,
    validate,
    verify,
    view,
)
from .fileio import SetupError, os_reason, safe_streams


class _Group(click.Group):
    """Turns errors into one line: a key or registry that cannot be used exits 2, other library errors 1.

    Output streams print any text (see :func:`bpvc.cli.fileio.safe_streams`), and SIGTERM unwinds like
    an exception, so temporaries are removed and transactions rolled back.
    """

    def main(self, *args: Any, **kwargs: Any) -> Any:
        with terminate_cleanly():
            return super().main(*args, **kwargs)

    def invoke(self, ctx: click.Context) -> Any:
        safe_streams()
        try:
            return super().invoke(ctx)
        except (KeyFileError, RegistryUnavailableError) as err:
            raise SetupError(err.detail) from None
        except BpvcError as err:
            where = f" (at {err.json_path})" if err.json_path and err.json_path != "$" else ""
            raise click.ClickException(f"{err.detail}{where}") from None
        except BrokenPipeError:  # the reader went away (| head): stop quietly, as a SIGPIPE would
            _silence_stdout()
            raise SystemExit(128 + 13) from None
        except sqlite3.Error as err:  # the registry translates its own; this is the last line of defence
            raise SetupError(f"database error: {err}") from None
        except OSError as err:  # a file the command could not read or write
            where = f"{err.filename}: " if err.filename else ""
            raise SetupError(f"{where}{os_reason(err)}") from None


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush does not fail on the closed pipe again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # not a real file (a test runner's buffer)
        pass


@click.group(cls=_Group)
@click.version_option(package_name="bpvc")
def main() -> None:
    """Sign and verify battery passport and carbon-footprint credentials (W3C VC 2.0), offline by default."""


for command in (
    keys.keys,
    issue.issue,
    issue.present,
    verify.verify,
    contexts.contexts,
    validate.validate,
    schema.schema,
    qr.qr,
    status.status,
    audit.audit,
    serve.serve,
    view.view,
    policy.policy,
    export.export,
    cf.cf,
):
    main.add_command(command)
issue.issue.add_command(records.issue_passport)
issue.issue.add_command(records.issue_footprint)

if __name__ == "__main__":  # pragma: no cover
    main()
