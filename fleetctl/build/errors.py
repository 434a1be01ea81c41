"""What goes wrong while building a release: the user's input (exit 2), or npm and the builders (exit 1)."""

import re

from fleetctl.errors import InputError

# Lines of npm's stderr that say nothing about what failed: its log file, node-gyp's
# progress and environment, stack frames, and the fields of a dumped error object.
_NOISE = [re.compile(pattern) for pattern in (
    r"^$",
    r"^A complete log of this run can be found in",
    r"^gyp info ",
    r"^gyp ERR! (System|command|cwd|node -v|node-gyp -v|not ok|\$npm_package_\w+)\b",
    r"^gyp ERR! stack\s+at ",
    r"^\s+at ",  # a stack frame
    r"^(code|errno|syscall|path) \S+$",
    r"^command failed$",
    r"^\s*[{}]$|^\s+\w+: .*,?$",  # a dumped error object
    r"^\s*\d*\s*\|",  # the compiler quoting the source line
    r"^make: (Entering|Leaving) directory",
)]
_COMPILER_ERROR = re.compile(r"\berror:")
_NPM_PREFIX = re.compile(r"^npm (error|ERR!) ?")


class BuildInputError(InputError):
    """The app's package.json or lockfile is wrong: str() is `file:line: message`, exit 2, no host touched."""


class BuildFailed(Exception):
    """npm or a builder failed: one line naming the builder, exit 1."""

    @classmethod
    def from_npm(cls, builder: str, what: str, stderr: str) -> "BuildFailed":
        """BuildFailed("<builder>: <what> failed: <npm's last telling stderr lines, joined by ' | '>")."""
        return cls(f"{builder}: {what} failed: {npm_reason(stderr)}")


def npm_reason(stderr: str, count: int = 3) -> str:
    """npm's last stderr lines that tell what failed, as one line; a compiler's first error leads when it scrolled off."""
    lines = [_NPM_PREFIX.sub("", line).rstrip() for line in stderr.splitlines()]
    telling = [line.strip() for line in lines if not any(noise.search(line) for noise in _NOISE)]
    if not telling:
        return "no message (exit code only)"
    tail = telling[-count:]
    first_error = next((line for line in telling if _COMPILER_ERROR.search(line)), None)
    if first_error is not None and first_error not in tail:
        tail = [first_error, *tail[1:]]
    return " | ".join(tail)
