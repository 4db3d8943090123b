"""Component options as vitkit's schemas define them: defaults filled in, unknown or missing keys named by path."""
from typing import Any, Dict, Iterable, Mapping, Optional, Tuple, Union

from .errors import SpecError

REQUIRED = object()

ComponentSpec = Union[str, Mapping[str, Any]]


def split_type(spec: ComponentSpec, path: str) -> Tuple[str, Dict[str, Any]]:
    """`"patch"` or `{"type": "patch", ...}` -> (type, options)."""
    if isinstance(spec, str):
        return spec, {}
    if not isinstance(spec, Mapping) or not isinstance(spec.get("type"), str):
        raise SpecError(path, f"expected a component name or an object with a \"type\", got {spec!r}")
    rest = {k: v for k, v in spec.items() if k != "type"}
    return spec["type"], rest


def resolve(
    given: Mapping[str, Any],
    defaults: Mapping[str, Any],
    path: str,
    hints: Optional[Mapping[str, Any]] = None,
) -> Dict[str, Any]:
    """vitkit's registry semantics: hints (inherited from the parent) for declared options only, then the spec's own
    values, then defaults; an option the component does not declare is an error naming its path."""
    out: Dict[str, Any] = {}
    merged = {k: v for k, v in (hints or {}).items() if k in defaults}
    merged.update({k: v for k, v in given.items() if v is not None})
    for k in given:
        if k not in defaults:
            raise SpecError(f"{path}.{k}" if path else k, f"is not an option here; allowed: {', '.join(defaults)}")
    for k, d in defaults.items():
        if k in merged:
            out[k] = merged[k]
        elif d is REQUIRED:
            raise SpecError(f"{path}.{k}", "is required")
        else:
            out[k] = d
    return out


def one_of(value: Any, allowed: Iterable[Any], path: str) -> Any:
    allowed = list(allowed)
    if value not in allowed:
        raise SpecError(path, f"{value!r} is not valid; expected one of {', '.join(map(str, allowed))}")
    return value
