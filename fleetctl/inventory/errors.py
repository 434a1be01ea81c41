"""The one error type for everything wrong with an inventory or a --limit."""


class InventoryError(Exception):
    """A bad inventory, variable or --limit, reported as a single line.

    str() is ``file:line: message`` when the place is known, so the CLI can
    print it verbatim and exit 2 before any host is contacted.
    """

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
