"""The base of every error about what the user gave fleetctl: an inventory, a role, a decision table.

str() is ``file:line: message`` when the place is known, so the CLI prints it
verbatim, as one line, and exits 2 before any host is contacted.
"""


class InputError(Exception):
    def __init__(self, message: str, path: str | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.path = path
        self.line = line

    def __str__(self) -> str:
        if self.path is None:
            return self.message
        if self.line is None:
            return f"{self.path}: {self.message}"
        return f"{self.path}:{self.line}: {self.message}"
