"""The exceptions kata-oci raises.

Every error the library raises on bad input is a :class:`KataOCIError`, itself a
:class:`ValueError`, so a caller can catch one type. Each subclass names the
input at fault (a JSON path, an annotation key, a configuration key) and the
reason, in its message and in attributes.

Hierarchy::

    ValueError
     └── KataOCIError
          ├── SpecError              config.json unreadable, not JSON, wrong type,
          │    │                     or a section the conversion needs is missing
          │    ├── SpecFileError     config.json missing, unreadable or empty
          │    └── NoLinuxError      no "linux" section (Go's ErrNoLinux)
          ├── ContainerTypeError     container type unknown or contradictory
          ├── SandboxIDError         no sandbox ID, or contradictory ones
          ├── PluginError            a plugin failed to load or answered wrongly
          ├── DeviceError            a linux.devices entry Kata cannot use
          ├── EnvVarError            a malformed process.env entry
          ├── KernelParamError       a kernel parameter with an empty key
          ├── ShmSizeError           the /dev/shm bind-mount source is unreadable
          ├── AnnotationError        one or more annotation overrides rejected
          ├── ConfigError            a Kata configuration.toml Kata would refuse
          │                          (or whose profile cannot be told)
          ├── ProfileError           a runtime profile that is unknown or not installed,
          │                          or a runtime configuration of another profile
          └── ManifestError          a Kubernetes manifest that cannot be read
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "AnnotationError",
    "AnnotationProblem",
    "ConfigError",
    "ContainerTypeError",
    "DeviceError",
    "EnvVarError",
    "KataOCIError",
    "KernelParamError",
    "ManifestError",
    "NoLinuxError",
    "PluginError",
    "ProfileError",
    "SandboxIDError",
    "ShmSizeError",
    "SpecError",
    "SpecFileError",
    "cut",
]

#: The most characters of one untrusted key or value that a message shows.
MAX_SHOWN = 200
# The most characters of a reason a ConfigError's message shows (the reason attribute is whole).
_MAX_REASON = 2000


def cut(text: object, limit: int = MAX_SHOWN) -> str:
    """``text`` (made a ``str``) for a message: whole when short, else its head and a marker.

    Every message that quotes a pod author's key or value goes through this,
    so a 1 MB annotation gives a message of a few hundred characters. The
    marker says how long the text was: ``"aaaa...(1048576 characters)"``.
    Quote the result with ``!r`` as usual (``f"{cut(key)!r}"``).
    """
    s = text if type(text) is str else str(text)  # str() of a StrEnum is its value
    if len(s) <= limit:
        return s
    return s[:limit] + f"...({len(s)} characters)"


class KataOCIError(ValueError):
    """Base class of every error kata-oci raises on bad input."""


class SpecError(KataOCIError):
    """A ``config.json`` that cannot be used.

    ``path`` is the JSON path of the offending value (``$.process.user.uid``),
    ``"$"`` for the document as a whole; ``bundle`` is the bundle directory or
    file the spec came from, when known; ``reason`` is the cause alone;
    ``line`` and ``column`` (from 1) say where malformed JSON goes wrong.
    The message is bounded: a long reason or path is cut with a marker.
    """

    def __init__(
        self,
        reason: str,
        *,
        path: str = "$",
        bundle: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.reason = reason
        self.path = path
        self.bundle = bundle
        self.line = line
        self.column = column
        where = f" in {bundle}" if bundle else ""
        at = "" if line is not None and path == "$" else f" (at {cut(path, 1000)})"  # the line says where
        super().__init__(f"invalid OCI spec{where}: {cut(reason)}{at}")


class SpecFileError(SpecError):
    """The ``config.json`` file cannot be read (missing, a directory, too big) or is empty.

    ``file`` is the file kata-oci tried to read. The message says so plainly:
    ``cannot read /run/bundle/config.json: No such file or directory``,
    ``/run/bundle/config.json is empty``. Control characters in the file name are
    escaped as ``repr`` does; undecodable bytes (surrogate escapes) are left to
    the caller's output, which shows them as ``\\xff``.
    """

    def __init__(self, reason: str, *, file: str, bundle: str | None = None, empty: bool = False) -> None:
        super().__init__(reason, bundle=bundle)
        self.file = file
        shown = _escaped(cut(file))
        text = f"{shown} is {reason}" if empty else f"cannot read {shown}: {cut(reason)}"
        self.args = (text,)


def _escaped(name: str) -> str:
    if name.isprintable():
        return name
    return "".join(c if c.isprintable() or "\udc80" <= c <= "\udcff" else repr(c)[1:-1] for c in name)


class NoLinuxError(SpecError):
    """The spec has no ``linux`` section (Go's ``oci.ErrNoLinux``)."""

    def __init__(self, *, bundle: str | None = None) -> None:
        super().__init__("missing Linux section", path="$.linux", bundle=bundle)


class ContainerTypeError(KataOCIError):
    """The container type cannot be decided from the annotations."""


class SandboxIDError(KataOCIError):
    """The sandbox ID cannot be decided from the annotations."""


class PluginError(KataOCIError):
    """A kata-oci plugin failed to import, register or answer.

    ``plugin`` names the plugin (its entry-point name, or its registration
    name for plugins passed explicitly).
    """

    def __init__(self, plugin: str, reason: str) -> None:
        self.plugin = plugin
        self.reason = reason
        super().__init__(f"kata-oci plugin {plugin!r}: {reason}")


class DeviceError(KataOCIError):
    """A ``linux.devices`` entry of an unknown type or with no path."""


class EnvVarError(KataOCIError):
    """A ``process.env`` entry with no ``=`` or an empty name."""


class KernelParamError(KataOCIError):
    """A kernel parameter whose key is empty."""


class ShmSizeError(KataOCIError):
    """The source of a ``/dev/shm`` bind mount cannot be measured."""


class AnnotationProblem:
    """One rejected annotation: its key, its value and why."""

    __slots__ = ("key", "reason", "value")

    def __init__(self, key: str, value: str, reason: str) -> None:
        self.key = key
        self.value = value
        self.reason = reason

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, AnnotationProblem):
            return NotImplemented
        return (self.key, self.value, self.reason) == (other.key, other.value, other.reason)

    def __hash__(self) -> int:
        return hash((self.key, self.value, self.reason))

    def __repr__(self) -> str:
        return f"AnnotationProblem(key={self.key!r}, value={self.value!r}, reason={self.reason!r})"

    def __str__(self) -> str:
        return f"{self.key}={self.value!r}: {self.reason}"


class AnnotationError(KataOCIError):
    """One or more annotation overrides were rejected; none was applied.

    ``errors`` holds one :class:`AnnotationProblem` per rejected annotation,
    sorted by key. Of the hypervisor keys ``enable_annotations`` refuses, the
    first :attr:`SHOWN` by key each name their suffix and the pattern to add;
    the others share one reason (Kata stops at the first such key, and a pod
    author may send thousands).
    """

    #: How many problems the message lists; ``errors`` always has them all.
    SHOWN = 50

    def __init__(self, errors: Sequence[AnnotationProblem]) -> None:
        self.errors: tuple[AnnotationProblem, ...] = tuple(errors)
        n = len(self.errors)
        head = f"{n} annotation{'s' if n != 1 else ''} rejected, none applied"
        lines = [f"  {p}" for p in self.errors[: self.SHOWN]]
        if n > self.SHOWN:
            lines.append(f"  ... and {n - self.SHOWN} more")
        super().__init__(head + ":\n" + "\n".join(lines))


class ConfigError(KataOCIError):
    """A Kata ``configuration.toml`` that Kata would refuse.

    ``file`` is the file, ``key`` the dotted key path (``hypervisor.qemu.default_vcpus``)
    when known, ``line`` and ``column`` (both from 1) where in the file, when known.
    """

    def __init__(
        self,
        reason: str,
        *,
        file: str | None = None,
        key: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.reason = reason
        self.file = file
        self.key = key
        self.line = line
        self.column = column
        # The message is bounded whatever the file holds (a 1 MB key...); the attributes are whole.
        where = cut(file, 1000) if file else "<configuration>"
        if line is not None:
            where += f":{line}"
            if column is not None:
                where += f":{column}"
        what = f" [{cut(key)}]" if key else ""
        super().__init__(f"{where}{what}: {cut(reason, _MAX_REASON)}")


class ManifestError(KataOCIError):
    """A Kubernetes manifest (YAML or JSON) or node configuration that cannot be read.

    ``file`` is the file (``"<stdin>"`` for standard input), ``line`` and
    ``column`` (1-based) where the parser stopped, when it says; ``reason`` is
    the cause alone.
    """

    def __init__(
        self,
        reason: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.reason = reason
        self.file = file
        self.line = line
        self.column = column
        where = file or "<manifest>"
        if line is not None:
            where += f":{line}"
            if column is not None:
                where += f":{column}"
        super().__init__(f"{where}: {reason}")


class ProfileError(KataOCIError):
    """A runtime profile (``kata1``, ``go``, ``rs``, or a plugin's) that cannot be used.

    ``profile`` names it; ``reason`` says why: no such profile is registered
    (the message lists those that are), or a runtime configuration of one
    profile was handed to another.
    """

    def __init__(self, profile: str, reason: str) -> None:
        self.profile = profile
        self.reason = reason
        super().__init__(f"profile {cut(profile, 64)!r}: {reason}")  # the name may be a user's typo
