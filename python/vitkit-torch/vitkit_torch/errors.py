"""Errors that name where in the spec a problem is (the same paths vitkit prints)."""


class SpecError(ValueError):
    """A spec value the twin cannot build; `path` is the spec path (e.g. ``model.tokenizer.attention``)."""

    def __init__(self, path: str, message: str):
        super().__init__(f"{path}: {message}")
        self.path = path


class UnsupportedSpecError(SpecError):
    """A spec part vitkit supports but this twin does not (yet)."""

    def __init__(self, path: str, what: str):
        super().__init__(path, f"{what} is not supported by vitkit-torch; train this spec with vitkit (npm) instead")
