"""Exit codes and the exception hierarchy.

Every error the toolkit raises on purpose derives from :class:`GovreportError` and carries
the process exit code the CLI returns for it, so the mapping lives in one place.

>>> from govreport.errors import NotAReportError, ExitCode
>>> NotAReportError("x.txt: no template table found").exit_code is ExitCode.NOT_A_REPORT
True
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Process exit codes of the ``govreport`` CLI (documented in the README)."""

    OK = 0
    INTERNAL = 1  #: a bug: please report it
    USAGE = 2  #: bad command-line arguments
    INPUT_NOT_FOUND = 3  #: the input path does not exist or cannot be read
    BAD_INPUT = 4  #: empty, corrupt, truncated or unsupported file
    NOT_A_REPORT = 5  #: readable, but no template table was found in it
    ENCRYPTED = 6  #: the PDF needs a password (or the password is wrong)
    TOO_LARGE = 7  #: over a safety limit (pages, pixels, bytes)
    OUTPUT_ERROR = 8  #: the output could not be written
    MISSING_DEPENDENCY = 9  #: an optional extra is needed for this input or engine
    BATCH_FAILURES = 10  #: a batch finished, but some reports failed
    DEVICE_UNAVAILABLE = 11  #: --device names a GPU that cannot be used here (none visible, or no CUDA in the session)
    INTERRUPTED = 130  #: stopped by Ctrl-C
    TERMINATED = 143  #: stopped by SIGTERM (``kill``, a scheduler's time limit); finished work is kept


class Terminated(KeyboardInterrupt):
    """SIGTERM arrived: raised in the main thread so that the command unwinds as on Ctrl-C (temporary
    files removed, finished work kept) and exits with :attr:`ExitCode.TERMINATED`."""


class GovreportError(Exception):
    """Base of all expected errors; ``exit_code`` is what the CLI exits with."""

    exit_code: ExitCode = ExitCode.INTERNAL


class UsageError(GovreportError):
    """Arguments that cannot be used together (an output that is an input, ...)."""

    exit_code = ExitCode.USAGE


class InputNotFoundError(GovreportError):
    exit_code = ExitCode.INPUT_NOT_FOUND


class BadInputError(GovreportError):
    exit_code = ExitCode.BAD_INPUT


class NotAReportError(GovreportError):
    exit_code = ExitCode.NOT_A_REPORT


class EncryptedError(GovreportError):
    exit_code = ExitCode.ENCRYPTED


class TooLargeError(GovreportError):
    exit_code = ExitCode.TOO_LARGE


class OutputError(GovreportError):
    exit_code = ExitCode.OUTPUT_ERROR


class DeviceUnavailableError(GovreportError):
    """``--device cuda...`` cannot run here: no such GPU, or onnxruntime made the session without CUDA."""

    exit_code = ExitCode.DEVICE_UNAVAILABLE


class MissingDependencyError(GovreportError):
    """An optional dependency is absent; the message names the extra to install."""

    exit_code = ExitCode.MISSING_DEPENDENCY

    @classmethod
    def for_extra(cls, package: str, extra: str, purpose: str) -> MissingDependencyError:
        return cls(f"{purpose} needs the '{package}' package: pip install 'govreport[{extra}]'")
