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
    r"^404(?! Not Found)\b",  # npm's hints after a 404, and its bare status lines
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


def npm_reason(stderr: str) -> str:
    """What npm's stderr says failed, as one line: its first telling line (npm's headline), a compiler's
    first error, and its last two telling lines, each once, joined by " | "."""
    lines = [_NPM_PREFIX.sub("", line).rstrip() for line in stderr.splitlines()]
    telling = [line.strip() for line in lines if not any(noise.search(line) for noise in _NOISE)]
    if not telling:
        return "no message (exit code only)"
    first_error = next((line for line in telling if _COMPILER_ERROR.search(line)), None)
    picked = [telling[0], first_error, *telling[-2:]]
    return " | ".join(dict.fromkeys(line for line in picked if line is not None))
