"""Reading the TOML files dvschema takes (configuration, drift ignore file) with located errors."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from dvschema.diagnostics import InputError


def read_toml(path: str | Path, what: str) -> tuple[str, dict[str, Any]]:
    """Return the file's text and data; raise :class:`InputError` when it cannot be read or parsed."""
    name = str(path)
    try:
        data = Path(path).read_bytes()
        text = data.decode("utf-8")
        return text, tomllib.loads(text)
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        raise InputError.at(name, line, "not UTF-8 text", found=f"byte 0x{data[error.start]:02x}",
                            expected=f"a TOML {what} in UTF-8") from None
    except OSError as error:
        raise InputError.at(name, None, f"cannot read the {what}", found=error.strerror,
                            expected=f"a TOML {what}") from None
    except tomllib.TOMLDecodeError as error:
        raise InputError.at(name, getattr(error, "lineno", None), "not valid TOML", found=str(error),
                            expected=f"a TOML {what}") from None


def line_of(text: str, needle: str) -> int | None:
    """The first line (1-based) that contains ``needle``, to point an error at a key."""
    for number, line in enumerate(text.split("\n"), 1):
        if needle in line:
            return number
    return None
