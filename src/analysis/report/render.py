"""The one way every report is made: papermill -> Markdown -> HTML (pandoc) + PDF (typst), or Quarto if installed.

Atomic: everything is produced in a temporary folder under reports/ and moved into reports/<report>/ only when all
formats succeeded (and, for ``openbaar``, the leak scan is clean). A failed render keeps the previous good report.

A report with a ``gemeente`` parameter is one report per gemeente: another gemeente than the default gets its own
name and folder (reports/<report>/<GMxxxx-naam>/, see ``for_gemeente``), and a batch (``render_all``) renders many
of them on warm kernels (``WarmKernel``) and writes their overview (``analysis.report.overview``).
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import hashlib
import json
import multiprocessing
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from analysis import __version__, paths
from analysis.data import registration
from analysis.report import accessibility, convert

AUDIENCES = ("openbaar", "intern")
FORMATS = ("html", "pdf")
PANDOC_ENGINE = {"html": "pandoc", "pdf": "typst"}  # who writes each format when Quarto does not


class RenderError(RuntimeError):
    pass


@dataclass(frozen=True)
class ReportSpec:
    name: str
    notebook: Path
    title: str
    parameters: dict = field(default_factory=dict)
    audiences: tuple[str, ...] = ("openbaar",)
    formats: tuple[str, ...] = FORMATS
    declared: dict | None = None  # name -> params.ParamSpec; None = not declared (only in tests' ad-hoc specs)
    error: str = ""  # a broken entry in reports.toml: render --all marks it failed and renders the others
    # one report per gemeente (see for_gemeente): where its files go under reports/ (default: the name), the
    # gemeente it is for, the reports.toml entry it comes from, and which gemeenten render --all renders
    folder: str = ""
    gemeente: str = ""
    gemeente_naam: str = ""
    base: str = ""
    gemeenten: tuple[str, ...] | str = ()

    def check(self, params: dict, audience: str, formats: tuple[str, ...]) -> dict:
        """Parameters, audience and formats checked against what this report offers, before any kernel starts."""
        from analysis.privacy import PUBLIC_MIN_CELL
        from analysis.report.params import ParamError, check_parameters

        if self.error:
            raise ParamError(self.error)
        if audience not in self.audiences:
            raise ParamError(f"{self.name}: audience {audience!r} is not offered; allowed: {', '.join(self.audiences)}")
        bad = [f for f in formats if f not in self.formats]
        if bad or not formats:
            raise ParamError(
                f"{self.name}: format(s) {', '.join(bad) or '(none)'} not offered; allowed: {', '.join(self.formats)}"
            )
        out = check_parameters(self.name, self.declared, params) if self.declared is not None else dict(params)
        # privacy is a rule of the audience, not a knob: an openbaar report never shows cells below the minimum
        if audience == "openbaar" and "drempel" in out and out["drempel"] < PUBLIC_MIN_CELL:
            raise ParamError(
                f"{self.name}: parameter drempel={out['drempel']} is not allowed for an openbaar report; "
                f"the minimum cell size for publication is {PUBLIC_MIN_CELL}"
            )
        return out


@dataclass
class RenderResult:
    report: str
    audience: str
    parameters: dict
    status: str
    started: str
    finished: str
    seconds: float
    engine: str = ""
    outputs: dict[str, str] = field(default_factory=dict)  # file -> sha256
    inputs: dict[str, str] = field(default_factory=dict)  # name -> sha256
    synthetic: bool = False
    error: str = ""
    key: str = ""
    key_parts: dict = field(default_factory=dict)  # what the key hashes, so a re-render can say what changed
    run_id: str = ""  # the run that produced the files listed in ``outputs``
    action: str = ""  # what the latest run did: rendered | skipped | failed
    reason: str = ""  # why it was rendered or skipped
    gemeente: str = ""  # the gemeente a per-gemeente report is for (code), and its name
    gemeente_naam: str = ""
    steps: dict[str, float] = field(default_factory=dict)  # seconds per step (execute, html, pdf, checks, ...)

    @classmethod
    def from_dict(cls, d: dict) -> RenderResult:
        """A manifest entry back into a result; keys this version does not know (older or newer manifests) are
        ignored, so a manifest written by another version never stops the nightly run."""
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


def load_specs(path: str | Path | None = None) -> dict[str, ReportSpec]:
    """Reports from reports.toml. An unreadable file is an error naming the file and line; a single broken entry
    (no notebook, a notebook that does not exist, a bad declaration or default) becomes a spec with ``error`` set,
    so the nightly run renders the others and marks that one failed."""
    from analysis.report.params import ParamError, check_parameters, parse_declarations

    path = Path(path) if path else paths.project_root() / "reports.toml"
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RenderError(f"{path}: file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise RenderError(f"{path}: not valid TOML: {exc}") from None
    reports = raw.get("reports", {})
    if not isinstance(reports, dict):
        raise RenderError(f"{path}: [reports] must be a table of reports")
    if not reports:  # a configuration that renders nothing is a mistake, not a successful night
        raise RenderError(f'{path}: no reports listed; add a [reports.<name>] entry with notebook = "..."')
    specs = {}
    for name, r in reports.items():
        where = f"{path.name} [reports.{name}]"
        try:
            check_name(name, where, "report name")
            if name in specs:
                raise ParamError(f"{where}: duplicate report name {name!r} (a variant of another report has it)")
            if not isinstance(r, dict) or "notebook" not in r:
                raise ParamError(f'{where}: no notebook given (notebook = "notebooks/....ipynb")')
            nb = confined_notebook(path.parent, r["notebook"], where)
            base = dict(r.get("parameters", {}))
            audiences = tuple(r.get("audiences", ["openbaar"]))
            if not audiences:
                raise ParamError(f"{where}: audiences is empty; give at least one of {', '.join(AUDIENCES)}")
            formats = tuple(r.get("formats", list(FORMATS)))
            bad = [a for a in audiences if a not in AUDIENCES] + [f for f in formats if f not in FORMATS]
            if bad:
                raise ParamError(f"{where}: unknown audience or format {bad}; allowed {AUDIENCES} and {FORMATS}")
            declared = parse_declarations(r["declare"], where) if "declare" in r else None
            if declared is not None:
                check_parameters(name, declared, base)
            gemeenten = _gemeenten_setting(r.get("gemeenten", ()), where, declared, base)
            specs[name] = ReportSpec(
                name, nb, r.get("title", name), base, audiences, formats, declared, gemeenten=gemeenten
            )
            for v in r.get("variants", []):  # extra parameter sets render as reports of their own
                check_name(v["name"], where, "variant name")
                vname = f"{name}-{v['name']}"
                if vname in specs or vname in reports:
                    raise ParamError(f"{where}: duplicate report name {vname!r}")
                vparams = {**base, **v.get("parameters", {})}
                if declared is not None:
                    check_parameters(vname, declared, vparams)
                specs[vname] = ReportSpec(
                    vname, nb, r.get("title", name), vparams, tuple(v.get("audiences", audiences)), formats, declared
                )
        except (ParamError, KeyError, TypeError, ValueError, re.error) as exc:
            msg = str(exc) if isinstance(exc, ParamError) else f"{where}: {type(exc).__name__}: {exc}"
            specs[name] = ReportSpec(name, Path(str(r.get("notebook", "")) if isinstance(r, dict) else ""), name,
                                     error=msg)  # fmt: skip
    return specs


# A report or variant name becomes a folder and file names under reports/: letters, digits, '-' and '_' only, so it
# can never climb out ('../evil'), hide ('.x') or name a path ('a/b').
SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,79}")


def check_name(name, where: str, what: str) -> str:
    from analysis.report.params import ParamError

    if not isinstance(name, str) or not SAFE_NAME.fullmatch(name):
        raise ParamError(
            f"{where}: {what} {name!r} is not allowed; use letters, digits, '-' and '_' (at most 80, no '/' or '.')"
        )
    return name


def confined_notebook(base: Path, given, where: str) -> Path:
    """The notebook of an entry, resolved (symlinks too) inside the folder of reports.toml: a path such as
    '../../etc/passwd' or '/etc/passwd' is refused before anything reads it."""
    from analysis.report.params import ParamError

    if not isinstance(given, str) or not given.endswith(".ipynb"):
        raise ParamError(f"{where}: notebook {given!r} is not allowed; expected a path to a .ipynb file")
    base = base.resolve()
    nb = (base / given).resolve()
    if not nb.is_relative_to(base):
        raise ParamError(f"{where}: notebook {given!r} is outside {base}; notebooks must live in the project")
    if not nb.is_file():
        raise ParamError(f"{where}: notebook {given} not found")
    return nb


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def code_hash() -> str:
    """Hash of the library source: a change in the code re-renders every report."""
    h = hashlib.sha256()
    for p in sorted((Path(__file__).parents[1]).rglob("*")):
        if p.suffix in (".py", ".css", ".lua") and "__pycache__" not in p.parts:
            h.update(p.read_bytes())
    return h.hexdigest()


def key_parts(
    spec: ReportSpec, audience: str, params: dict, formats: tuple[str, ...], inputs: dict, *, code: str | None = None
) -> dict:
    """Everything a rendered report depends on. Equal parts (and intact output files) mean: skip. ``code``: the
    library hash when the caller has it already (it reads every source file)."""
    return {
        "notebook": _sha(spec.notebook),
        "parameters": json.loads(json.dumps(params, sort_keys=True, default=str)),
        "audience": audience,
        "formats": sorted(formats),
        "inputs": dict(sorted(inputs.items())),
        "code": code if code is not None else code_hash(),
    }


def _key_of(parts: dict) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


_PART_REASON = {
    "notebook": "notebook changed",
    "parameters": "parameters changed",
    "audience": "audience changed",
    "formats": "formats changed",
    "code": "library code changed",
}


def change_reason(old: dict, new: dict) -> str:
    """Why a report must be rendered again, in the operator's terms ('inputs changed: synthetic/pilot_costs')."""
    if not old:
        return "no earlier render recorded"
    why = []
    for part, text in _PART_REASON.items():
        if old.get(part) != new.get(part):
            why.append(text)
    if old.get("inputs") != new.get("inputs"):
        a, b = old.get("inputs", {}), new.get("inputs", {})
        changed = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
        why.append("inputs changed: " + ", ".join(changed))
    return "; ".join(why) or "unchanged"


def _kernel_name() -> str:
    return os.environ.get("ANALYSIS_KERNEL", "python3")


def _scan_names() -> list[str]:
    f = os.environ.get("ANALYSIS_SCAN_NAMES_FILE")
    return [n.strip() for n in Path(f).read_text(encoding="utf-8").splitlines() if n.strip()] if f else []


_MD_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def leak_scan(texts: list[str]) -> list[str]:
    from analysis.privacy import scan_for_identifiers

    findings = []
    for t in texts:
        t = re.sub(r"data:[a-z/+]+;base64,[A-Za-z0-9+/=]+", "", t)  # embedded images are not text
        for _ in range(2):  # Markdown escapes ('111\\.222\\.333'), also inside the notebook's JSON, hide nothing
            t = _MD_ESCAPE.sub(r"\1", t)
        res = scan_for_identifiers(t, names=_scan_names(), forbid_exact_dates=True)
        findings += [f"{f.kind}: {f.value!r} in '…{f.context}…'" for f in res.findings]
    return findings


def _notebook_text(path: Path) -> str:
    """The executed notebook as published, minus image payloads (base64 is not text a reader sees)."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    for cell in nb.get("cells", []):
        for out in cell.get("outputs", []):
            for mime in [m for m in out.get("data", {}) if m.startswith("image/")]:
                del out["data"][mime]
    return json.dumps(nb, ensure_ascii=False)


KERNEL_START_ATTEMPTS = 3
LOCK_TIMEOUT_ENV = "ANALYSIS_LOCK_TIMEOUT"
HISTORY_RUNS = 50


def work_root(reports_root: Path) -> Path:
    """Where renders stage their files: beside the published tree, never inside it (an ``intern`` render's half
    product holds per-family data; a killed render must not leave it where a web server serves ``reports/``)."""
    return reports_root.parent / f".{reports_root.name}-werk"


def _lock(reports_root: Path, name: str, timeout: float | None = None):
    from filelock import FileLock

    locks = work_root(reports_root) / "locks"
    locks.mkdir(parents=True, exist_ok=True)
    t = float(os.environ.get(LOCK_TIMEOUT_ENV, 600)) if timeout is None else timeout
    return FileLock(str(locks / f"{name}.lock"), timeout=t)


def _kernel_manager_class(socket_dir: str):
    """A kernel manager on IPC (Unix socket files in a folder of this render's own) instead of TCP: TCP ports are
    picked by binding port 0 and releasing it, so two kernels started at the same moment can get the same port
    ('Address already in use'). Socket files in a private folder cannot collide."""
    from jupyter_client.manager import AsyncKernelManager

    class IpcKernelManager(AsyncKernelManager):
        def __init__(self, **kw):
            super().__init__(**kw)
            self.transport = "ipc"
            self.ip = os.path.join(socket_dir, "kernel")

        async def _async_interrupt_kernel(self) -> None:
            # jupyter_client interrupts every kernel it shuts down, "to stop any running code"; after a notebook
            # has run there is none, and the idle kernel logs 'KeyboardInterrupt caught in kernel' at ERROR level
            # into every nightly log. The shutdown request (then SIGTERM, SIGKILL) still ends the kernel.
            if self.shutting_down:
                return
            await super()._async_interrupt_kernel()

    return IpcKernelManager


def _cells_started(executed: Path) -> bool:
    """True when papermill had started any cell: such a run is never retried (no half-executed notebook)."""
    if not executed.exists():
        return False
    try:
        nb = json.loads(executed.read_text(encoding="utf-8"))
    except ValueError:
        return False
    return any(
        c.get("metadata", {}).get("papermill", {}).get("status") not in (None, "pending") for c in nb.get("cells", [])
    )


_CELL_PROGRESS: contextvars.ContextVar[bool] = contextvars.ContextVar("cell_progress", default=False)


@contextlib.contextmanager
def cell_progress(enabled: bool = True):
    """Within this block, a render shows papermill's per-cell progress bar on stderr (``analysis render NAME`` in a
    terminal). Off by default: ``render --all`` runs reports in parallel workers, whose bars would interleave, and
    the nightly log wants one line per report, not a bar."""
    token = _CELL_PROGRESS.set(enabled)
    try:
        yield
    finally:
        _CELL_PROGRESS.reset(token)


def _execute(spec: ReportSpec, executed: Path, params: dict) -> None:
    """papermill with IPC kernels; only the kernel start is retried, a bounded number of times."""
    import papermill as pm

    for attempt in range(1, KERNEL_START_ATTEMPTS + 1):
        sockets = tempfile.mkdtemp(prefix="ak-")  # short path: Unix socket paths are limited to ~100 bytes
        try:
            pm.execute_notebook(
                str(spec.notebook),
                str(executed),
                parameters=params,
                kernel_name=_kernel_name(),
                cwd=str(paths.project_root()),
                progress_bar={"desc": f"{spec.name}: cellen", "unit": "cel", "file": sys.stderr}
                if _CELL_PROGRESS.get()
                else False,
                log_output=False,
                kernel_manager_class=_kernel_manager_class(sockets),
                extra_arguments=["--IPKernelApp.log_level=ERROR"],
            )
            return
        except pm.PapermillExecutionError as exc:
            raise RenderError(
                f"{spec.notebook.name}: cell {exc.cell_index} (execution count {exc.exec_count}) "
                f"raised {exc.ename}: {exc.evalue}"
            ) from None
        except Exception as exc:  # kernel start failures: zmq errors, 'Kernel died before replying', timeouts
            if _cells_started(executed) or attempt == KERNEL_START_ATTEMPTS:
                raise RenderError(f"{spec.notebook.name}: kernel failed ({type(exc).__name__}: {exc})") from None
            time.sleep(0.5 * attempt)
        finally:
            shutil.rmtree(sockets, ignore_errors=True)


# ------------------------------------------------------------------------------------------- warm kernels

WARM_RECYCLE_AFTER = 250  # notebooks per kernel before it is replaced (bounds memory; a national run is ~180)
_warm = None  # this process's warm kernel (a batch worker's), started on first use


class WarmKernel:
    """One kernel that executes notebook after notebook, for a batch worker: a cold kernel per report spends
    seconds starting Python and importing pandas, matplotlib, statsmodels and the library, every time. Before each
    notebook the namespace is emptied (``%reset -f``) and figures are closed, so a notebook sees only its own
    variables; imported modules stay warm, and with ``analysis.memo`` installed the results that are the same for
    every gemeente are computed once. A kernel that dies or fails to answer is replaced for the next notebook."""

    def __init__(self):
        self.sockets = tempfile.mkdtemp(prefix="ak-")  # short path: Unix socket paths are limited to ~100 bytes
        self.km = _kernel_manager_class(self.sockets)(kernel_name=_kernel_name())
        self.kc = None
        self.runs = 0
        self.cells_started = False

    def execute(self, spec: ReportSpec, executed: Path, params: dict) -> None:
        import nbformat
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError
        from papermill.iorw import load_notebook_node
        from papermill.parameterize import parameterize_notebook

        nb = parameterize_notebook(load_notebook_node(str(spec.notebook)), params, kernel_name=_kernel_name())
        client = NotebookClient(nb, km=self.km, kernel_name=_kernel_name(), allow_errors=False,
                                extra_arguments=["--IPKernelApp.log_level=ERROR"])  # fmt: skip
        client.kc = self.kc
        self.cells_started = False
        try:
            with client.setup_kernel(cwd=str(paths.project_root())):
                self.kc = client.kc
                if self.runs == 0:  # once per kernel: results that are the same for every gemeente, computed once
                    self._silent(client, "import analysis.memo as _m; _m.install(); del _m")
                self._silent(client, "%reset -f\nimport matplotlib.pyplot as _plt; _plt.close('all'); del _plt")
                if self.runs == 1:
                    # What survives the first reset (modules, the memo's shared results, font caches) lives as long
                    # as the kernel: frozen, every later reset's garbage collection skips it (0,33 s a report before)
                    self._silent(client, "import gc as _gc; _gc.freeze(); del _gc")
                self.runs += 1
                count = 0
                for index, cell in enumerate(nb.cells):
                    self.cells_started = True
                    count += cell.cell_type == "code"
                    try:  # numbered from 1 in every notebook, as a fresh kernel would
                        client.execute_cell(cell, index, execution_count=count)
                    except CellExecutionError as exc:
                        nbformat.write(nb, str(executed))
                        raise RenderError(
                            f"{spec.notebook.name}: cell {index} (execution count {cell.get('execution_count')}) "
                            f"raised {exc.ename}: {exc.evalue}"
                        ) from None
        except RenderError:
            raise
        except Exception as exc:  # the kernel died or hung: a fresh one for the next notebook
            self.shutdown()
            raise RenderError(f"{spec.notebook.name}: kernel failed ({type(exc).__name__}: {exc})") from None
        nbformat.write(nb, str(executed))

    @staticmethod
    def _silent(client, code: str) -> None:
        reply = client.wait_for_reply(client.kc.execute(code, silent=True, store_history=False))
        if not reply or reply["content"].get("status") != "ok":
            raise RuntimeError(f"kernel set-up failed: {reply and reply['content'].get('evalue')}")

    def shutdown(self) -> None:
        from jupyter_core.utils import run_sync

        try:
            if self.kc is not None:
                self.kc.stop_channels()
            if self.km.has_kernel:
                run_sync(self.km.shutdown_kernel)(now=False)
        except Exception:  # shutting down is best effort: the kernel dies with its parent anyway
            pass
        finally:
            self.kc = None
            shutil.rmtree(self.sockets, ignore_errors=True)


def _cpu_seconds() -> float:
    """CPU time of this process, its finished children (pandoc, a cold kernel) and its warm kernel (still running,
    so read from /proc): what a render costs, whatever the neighbours on a shared machine do."""
    import resource

    total = sum(
        getattr(resource.getrusage(who), f)
        for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
        for f in ("ru_utime", "ru_stime")
    )
    pid = getattr(getattr(_warm, "km", None), "provisioner", None)
    pid = getattr(pid, "pid", None) if pid is not None else None
    if pid:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):  # not Linux, or the kernel is gone: its time is not counted
            pass
    return total


def _warm_execute(spec: ReportSpec, executed: Path, params: dict) -> None:
    """Execute on this process's warm kernel (started on first use, replaced after failures and every
    ``WARM_RECYCLE_AFTER`` notebooks); shut down when the worker process exits."""
    global _warm
    if _warm is not None and (_warm.kc is None and _warm.runs or _warm.runs >= WARM_RECYCLE_AFTER):
        _warm.shutdown()
        _warm = None
    for attempt in range(1, KERNEL_START_ATTEMPTS + 1):
        if _warm is None:
            from multiprocessing import util

            _warm = WarmKernel()
            util.Finalize(_warm, _warm.shutdown, exitpriority=10)  # pool workers skip atexit; finalizers run
        try:
            return _warm.execute(spec, executed, params)
        except RenderError:
            if _warm.kc is not None or _warm.cells_started or attempt == KERNEL_START_ATTEMPTS:
                raise  # a notebook that had begun to run is never run again
            _warm = None  # the kernel did not start: a fresh one, as the cold path retries a start
            time.sleep(0.5 * attempt)


def render_report(
    spec: ReportSpec,
    *,
    audience: str = "openbaar",
    params: dict | None = None,
    formats: tuple[str, ...] | None = None,
    reports_root: Path | None = None,
    when: dt.date | None = None,
    run_id: str = "",
    code: str | None = None,
    warm: bool = False,
) -> RenderResult:
    """Render one report x audience into ``reports_root``. ``code``: the library hash the caller planned with
    (render_all passes it, so the recorded key is the planned key); computed here when not given. ``warm``: run
    the notebook on this process's warm kernel (batch workers) instead of a fresh one."""
    from analysis.report.params import ParamError

    formats = tuple(formats or spec.formats)
    run_id = run_id or new_run_id()
    # everything a caller passes is checked before any kernel starts: a bad value fails this render (one line,
    # nothing written) without stopping a batch
    try:
        params = {**spec.check({**spec.parameters, **(params or {})}, audience, formats), "audience": audience}
        spec = for_gemeente(spec, params)  # another gemeente's report goes to its own folder, never over this one
    except ParamError as exc:
        now = dt.datetime.now().astimezone().isoformat(timespec="seconds")
        return RenderResult(spec.name, audience, dict(params or {}), "failed", now, now, 0.0, error=str(exc),
                            run_id=run_id, action="failed")  # fmt: skip
    root = Path(reports_root or paths.reports_dir())
    stem = f"{spec.name}-{audience}"
    started = dt.datetime.now().astimezone()
    t0 = time.perf_counter()
    res = RenderResult(
        spec.name, audience, params, "failed", started.isoformat(timespec="seconds"), "", 0.0, run_id=run_id,
        gemeente=spec.gemeente, gemeente_naam=spec.gemeente_naam,
    )  # fmt: skip
    root.mkdir(parents=True, exist_ok=True)
    work = None
    try:
        from filelock import Timeout

        try:
            lock = _lock(root, stem)
            lock.acquire()
        except Timeout:
            raise RenderError(
                f"another render of {stem} is still running (lock {lock.lock_file}); try again when it has finished"
            ) from None
        try:
            wroot = work_root(root)
            for stale in wroot.glob(f"{stem}-*"):  # left by a killed render of this report (we hold its lock)
                shutil.rmtree(stale, ignore_errors=True)
            work = Path(tempfile.mkdtemp(prefix=f"{stem}-", dir=wroot))
            cpu0 = _cpu_seconds()
            try:
                _render_into(spec, audience, params, formats, root, work, res, when, warm)
            finally:
                res.steps["cpu"] = round(_cpu_seconds() - cpu0, 3)
        finally:
            lock.release()
    except RenderError as exc:
        res.error = str(exc)
    except Exception as exc:  # keep the batch going; the message names the failing step
        res.error = f"{type(exc).__name__}: {exc}"
    finally:
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)
        res.finished = dt.datetime.now().astimezone().isoformat(timespec="seconds")
        res.seconds = round(time.perf_counter() - t0, 2)
    res.action = "rendered" if res.status == "ok" else "failed"
    if res.status == "ok":
        res.key_parts = key_parts(spec, audience, params, formats, res.inputs, code=code)
        res.key = _key_of(res.key_parts)
    return res


def _render_into(spec, audience, params, formats, root: Path, work: Path, res: RenderResult, when, warm=False) -> None:
    stem = f"{spec.name}-{audience}"
    executed = work / f"{stem}.ipynb"
    t = time.perf_counter()
    (_warm_execute if warm else _execute)(spec, executed, params)
    res.steps["execute"] = round(time.perf_counter() - t, 3)
    t = time.perf_counter()
    try:
        conv = convert.notebook_to_markdown(executed, work / "media")
    except convert.ConversionError as exc:
        raise RenderError(str(exc)) from None
    res.synthetic = bool(conv.meta.get("synthetic"))
    res.inputs = {k: _input_hash(v["sha256"], v.get("meta_sha256", "")) for k, v in conv.meta.get("inputs", {}).items()}
    fm = convert.front_matter(
        conv.meta.get("title") or _gemeente_title(spec),
        conv.meta,
        version=__version__,
        when=when or dt.date.today(),
        audience=audience,
        gemeente=spec.gemeente or None,
        gemeente_naam=spec.gemeente_naam,
    )
    md = convert.write_markdown(conv, fm, audience, work / f"{stem}.md")
    res.steps["markdown"] = round(time.perf_counter() - t, 3)
    quarto = convert.quarto_available()
    # The openbaar HTML is always pandoc's, from the Markdown our converter checked (safe_markdown, cell HTML without
    # script or external source) in our template (policy, skip link, landmarks): Quarto renders the notebook's raw
    # outputs itself, and the public page is the security boundary. Quarto may write the PDF and the intern HTML.
    engines = {
        fmt: "quarto" if quarto and not (fmt == "html" and audience == "openbaar") else PANDOC_ENGINE[fmt]
        for fmt in formats
    }
    used = set(engines.values())
    res.engine = (
        "quarto" if used == {"quarto"}
        else "pandoc+typst" if "quarto" not in used
        else ", ".join(f"{fmt}: {engine}" for fmt, engine in engines.items())
    )  # fmt: skip
    for fmt in formats:
        out = work / f"{stem}.{fmt}"
        t = time.perf_counter()
        try:
            if engines[fmt] == "quarto":
                convert.quarto_render(quarto, executed, fm, fmt, out)
            elif fmt == "html":
                convert.to_html(md, out)
            else:
                convert.to_pdf(md, out, fm.get("typst-header", ""))
        except subprocess.CalledProcessError as exc:
            raise RenderError(f"{fmt} conversion failed: {_first_error_line(exc.stderr) or exc}") from None
        except convert.ConversionError as exc:
            raise RenderError(f"{fmt}: {exc}") from None
        if fmt == "html":  # a rule for every engine's page: no script, and a policy that forbids any
            unsafe = convert.html_security_problems(out.read_text(encoding="utf-8"))
            if unsafe:
                more = f" (and {len(unsafe) - 1} more)" if len(unsafe) > 1 else ""
                raise RenderError(f"html written by {engines[fmt]} is not safe to publish: {unsafe[0]}{more}")
        res.steps[fmt] = round(time.perf_counter() - t, 3)
        t = time.perf_counter()
        # publication rules, whatever engine wrote the file (a rule, not an option: no parameter switches it off)
        problems = (
            accessibility.html_problems(out.read_text(encoding="utf-8"))
            if fmt == "html"
            else accessibility.pdf_problems(out)
        )
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            standard = "accessibility rules" if fmt == "html" else accessibility.PDF_STANDARDS_LABEL
            raise RenderError(f"{fmt} does not meet the {standard}: {problems[0]}{more}")
        res.steps["checks"] = round(res.steps.get("checks", 0) + time.perf_counter() - t, 3)
    t = time.perf_counter()
    if audience == "openbaar":
        strip_local_paths(executed, [work, root, Path(params.get("processed_dir") or paths.processed_dir())])
        texts = [md.read_text(encoding="utf-8"), _notebook_text(executed)]
        if (work / f"{stem}.html").exists():
            texts.append((work / f"{stem}.html").read_text(encoding="utf-8"))
        findings = leak_scan(texts)
        if findings:
            raise RenderError("leak scan refused the openbaar report: " + "; ".join(findings[:5]))
    res.steps["checks"] = round(res.steps.get("checks", 0) + time.perf_counter() - t, 3)
    # all good: move into place (the executed notebook is kept next to the outputs). Files of another format from
    # an earlier run are removed: they no longer belong to what is published now.
    folder = spec.folder or spec.name  # another gemeente's report: reports/<report>/<GMxxxx-naam>/
    tree = tree_dir(audience_root(root, audience), audience)
    confined(tree, folder)  # no folder name (from configuration or a gemeente name) leaves its tree
    dest = tree
    for part in Path(folder).parts:
        dest = tree_dir(dest / part, audience)
    new = [executed] + [work / f"{stem}.{fmt}" for fmt in formats]
    for old in [dest / f"{stem}.{fmt}" for fmt in FORMATS if fmt not in formats]:
        old.unlink(missing_ok=True)
    for f in new:
        _publish(f, dest / f.name, audience)
        res.outputs[f"{folder}/{f.name}"] = _sha(dest / f.name)
    res.status = "ok"


def _first_error_line(stderr: str | None) -> str:
    """pandoc's complaint as one line: a Lua filter's own message without its path and stack trace."""
    lines = [ln.strip() for ln in (stderr or "").splitlines() if ln.strip() and not ln.startswith(("\t", "stack"))]
    for ln in lines:
        m = re.search(r"\.lua:\d+: (.*)", ln)
        if m:
            return m.group(1)
    return "; ".join(lines[:2])


def _publish(src: Path, final: Path, audience: str = "openbaar") -> None:
    """Move a finished file into its tree with an explicit mode, whatever the umask: 0644 in the public tree (a web
    server reads it, nobody else writes it), 0600 in the intern tree."""
    tmp = final.with_name(f".{final.name}.tmp")
    shutil.copyfile(src, tmp)  # the work folder may be on another file system: copy, then an atomic rename
    os.chmod(tmp, FILE_MODE[audience])
    os.replace(tmp, final)


# ---------------------------------------------------------------------------------------- publication trees
# Confidential outputs never sit in the public tree: a web server that publishes reports/ must not be able to serve
# an intern report (per-family data). intern outputs, their manifest and history live in a sibling folder
# reports-intern/, created 0700 with files 0600; the public index and manifest are built from openbaar only.

FILE_MODE = {"openbaar": 0o644, "intern": 0o600}
DIR_MODE = {"openbaar": 0o755, "intern": 0o700}


def intern_root(reports_root: Path) -> Path:
    """The confidential tree beside the public one: reports/ -> reports-intern/."""
    reports_root = Path(reports_root)
    return reports_root.parent / f"{reports_root.name}-intern"


def audience_root(reports_root: Path, audience: str) -> Path:
    return intern_root(reports_root) if audience == "intern" else Path(reports_root)


def tree_dir(path: Path, audience: str) -> Path:
    """Create ``path`` with the tree's explicit mode (mkdir never grants more than asked, and chmod makes it exact
    whatever the umask)."""
    path = Path(path)
    path.mkdir(mode=DIR_MODE[audience], parents=True, exist_ok=True)
    os.chmod(path, DIR_MODE[audience])
    return path


# absolute paths of this machine in a published notebook ('/home/...', '/tmp/...', 'C:\\Users\\...'): the
# directory part goes, the file name stays
_ABS_PATH = re.compile(r"(?<![\w:/.~+=-])(?:/(?:[\w.@+-]+/)+|[A-Za-z]:\\(?:[\w.@+ -]+\\)+)")


def strip_local_paths(nb_path: Path, roots: list[Path]) -> None:
    """An openbaar notebook names no folder of the server: paths under the project, the data folder or the work
    folder become relative, any other absolute path loses its directory part, papermill's input/output paths are
    reduced to file names. Image data is left alone (base64 is not a path)."""
    prefixes = sorted(
        {str(Path(r).resolve()) for r in [*roots, paths.project_root()]} | {str(Path(r)) for r in roots},
        key=len,
        reverse=True,
    )
    prefixes = [p.rstrip("/") for p in prefixes if len(p.rstrip("/")) > 1]

    def clean(v):
        if isinstance(v, str):
            for pre in prefixes:
                v = v.replace(pre + "/", "").replace(pre, ".")
            return _ABS_PATH.sub("", v)
        if isinstance(v, list):
            return [clean(x) for x in v]
        if isinstance(v, dict):
            return {k: (x if k.startswith("image/") else clean(x)) for k, x in v.items()}
        return v

    nb = clean(json.loads(nb_path.read_text(encoding="utf-8")))
    pm = nb.get("metadata", {}).get("papermill", {})
    for k in ("input_path", "output_path"):
        if isinstance(pm.get(k), str):
            pm[k] = Path(pm[k]).name
    if "cwd" in pm:
        pm["cwd"] = "."
    nb_path.write_text(json.dumps(nb, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


# ------------------------------------------------------------------------------------------ per gemeente

# The CBS panel (harmonised to the boundaries of 2020) that lists the gemeenten a per-gemeente report can be for.
GEMEENTE_PANEL = "wmo_panel_grenzen_2020"
# The gemeente whose own registration is loaded and whose raadsbrief the reports are an appendix to (defined once,
# in analysis.data.registration: importing analysis.demand here would load statsmodels at every CLI start).
REGISTRATION_GEMEENTE = registration.REGISTRATION_GEMEENTE
_CODE = re.compile(r"GM\d{4}")


def slug(text: str) -> str:
    """A file-name part from a gemeente name: ASCII letters and digits joined by '-' ("'s-Gravenhage" ->
    's-gravenhage', 'Súdwest-Fryslân' -> 'sudwest-fryslan'). Nothing else survives, so no name can climb out of
    its folder or carry markup."""
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:50].rstrip("-") or "gemeente"


def confined(root: Path, folder: str) -> Path:
    """``root / folder``, refused when it would lie outside ``root`` (a folder name from a configuration or a
    gemeente name must never address another place)."""
    dest = (root / folder).resolve()
    if dest != root.resolve() and not dest.is_relative_to(root.resolve()):
        raise RenderError(f"output folder {folder!r} lies outside {root}")
    return root / folder


def takes_gemeente(spec: ReportSpec) -> bool:
    """A report that can be rendered for any gemeente of the CBS panel (it has a ``gemeente`` parameter)."""
    return "gemeente" in (spec.declared or {}) or "gemeente" in spec.parameters


def gemeente_names(processed_dir: str | Path | None = None) -> dict[str, str]:
    """Code -> name of every gemeente in the CBS panel (the name of its latest year), ordered by code."""
    import pandas as pd

    from analysis.report.params import ParamError

    path = Path(processed_dir or paths.processed_dir()) / f"{GEMEENTE_PANEL}.parquet"
    try:
        d = pd.read_parquet(path, columns=["gemeente_code", "gemeente_naam", "jaar", "hh_clienten"])
    except (OSError, ValueError, KeyError) as exc:
        msg = f"{path}: cannot read the gemeenten of the CBS panel ({exc}); run 'analysis data build'"
        raise ParamError(msg) from None
    # a gemeente for which CBS published no HH figure in any year has nothing to report (13 in the panel)
    with_figures = set(d.loc[d.hh_clienten.notna(), "gemeente_code"])
    d = d[d.gemeente_code.isin(with_figures)]
    d = d.sort_values(["gemeente_code", "jaar"]).drop_duplicates("gemeente_code", keep="last")
    return dict(zip(d.gemeente_code.astype(str), d.gemeente_naam.astype(str)))


def _unknown_gemeente(spec_name: str, code: str, processed_dir=None) -> str:
    path = Path(processed_dir or paths.processed_dir()) / f"{GEMEENTE_PANEL}.parquet"
    return (
        f"{spec_name}: gemeente {code!r} is not in the CBS panel ({path}) or CBS published no HH figure for it; "
        "give a code GMxxxx from that panel"
    )


def for_gemeente(spec: ReportSpec, params: dict, names: dict[str, str] | None = None) -> ReportSpec:
    """The report for the gemeente in ``params``. The default gemeente of reports.toml keeps the stable address
    (reports/<report>/<report>-<audience>.*); any other gets a report and folder of its own,
    reports/<report>/<GMxxxx-name>/<report>-<GMxxxx-name>-<audience>.*, so rendering it never touches the
    default's published files. An unknown code is a ParamError (one line, before any kernel starts)."""
    from analysis.report.params import ParamError

    if not takes_gemeente(spec):
        return spec
    code = str(params.get("gemeente") or spec.parameters.get("gemeente") or "")
    if spec.gemeente:  # already the report of one gemeente
        if code != spec.gemeente:
            raise ParamError(f"{spec.name} is the report for {spec.gemeente}, not for {code}")
        return spec
    if names is None:
        names = gemeente_names(params.get("processed_dir"))
    if not _CODE.fullmatch(code) or code not in names:
        raise ParamError(_unknown_gemeente(spec.name, code, params.get("processed_dir")))
    from dataclasses import replace

    if code == spec.parameters.get("gemeente"):
        return replace(spec, gemeente=code, gemeente_naam=names[code], base=spec.name)
    sub = f"{code}-{slug(names[code])}"
    return replace(
        spec,
        name=f"{spec.name}-{sub}",
        folder=f"{spec.name}/{sub}",
        parameters={**spec.parameters, "gemeente": code},
        gemeente=code,
        gemeente_naam=names[code],
        base=spec.name,
        gemeenten=(),
    )


def _gemeente_title(spec: ReportSpec) -> str:
    """The fallback title (reports.toml) names the gemeente when the notebook gives none."""
    return f"{spec.title} ({spec.gemeente_naam})" if spec.gemeente_naam else spec.title


def _gemeenten_setting(value, where: str, declared, base: dict) -> tuple[str, ...] | str:
    """``gemeenten = "all"`` or a list of codes under [reports.<name>]: render --all renders the report for those
    gemeenten too (each its own report) and writes the overview."""
    from analysis.report.params import ParamError

    if value in ((), [], "", None):
        return ()
    if "gemeente" not in (declared or {}) and "gemeente" not in base:
        raise ParamError(f"{where}: gemeenten is set, but the report has no gemeente parameter")
    if value == "all":
        return "all"
    codes = value.split(",") if isinstance(value, str) else value
    codes = tuple(str(c).strip() for c in codes if str(c).strip())
    bad = [c for c in codes if not _CODE.fullmatch(c)]
    if bad:
        raise ParamError(f'{where}: gemeenten must be "all" or a list of codes GMxxxx; not {", ".join(bad)}')
    return codes


def parse_gemeenten(text: str) -> tuple[str, ...] | str:
    """The command line's ``--gemeenten all`` or ``GM0344,GM0193``."""
    return _gemeenten_setting(text.strip(), "--gemeenten", {"gemeente": None}, {})


def expand_gemeenten(
    spec: ReportSpec, which: tuple[str, ...] | str, names: dict[str, str] | None = None
) -> dict[str, ReportSpec]:
    """One spec per gemeente (``which``: "all" = every gemeente in the CBS panel, or a list of codes); the default
    gemeente is the spec itself at its stable address. A code not in the panel is a ParamError naming it."""
    from analysis.report.params import ParamError

    names = names if names is not None else gemeente_names(spec.parameters.get("processed_dir"))
    codes = list(names) if which == "all" else list(dict.fromkeys(which))
    bad = [c for c in codes if c not in names]
    if bad:
        raise ParamError(_unknown_gemeente(spec.name, ", ".join(bad), spec.parameters.get("processed_dir")))
    from dataclasses import replace

    out = {}
    for code in codes:
        s = for_gemeente(replace(spec, gemeenten=()), {**spec.parameters, "gemeente": code}, names)
        out[s.name] = s
    return out


def expand_all(specs: dict[str, ReportSpec]) -> dict[str, ReportSpec]:
    """reports.toml entries with ``gemeenten`` become one report per gemeente (the default gemeente stays the
    entry itself, at its stable address). A bad list marks that entry failed; the others render."""
    from dataclasses import replace

    from analysis.report.params import ParamError

    out = {}
    for name, spec in specs.items():
        if not spec.gemeenten or spec.error:
            out[name] = spec
            continue
        try:
            out[name] = replace(spec, gemeenten=())  # the default gemeente is always rendered, at its stable address
            out.update(expand_gemeenten(spec, spec.gemeenten))
        except ParamError as exc:
            out[name] = replace(spec, error=str(exc))
    return out


def published_links(root: Path, base: str, audience: str = "openbaar") -> dict[str, str]:
    """Gemeente code -> its published HTML report of ``base``, relative to reports/<base>/ (from the manifest)."""
    links = {}
    for o in load_manifest(root)["outputs"]:
        code = o.get("gemeente")
        if not code or o.get("audience") != audience or o.get("status") != "ok":
            continue
        if o["report"] != base and not o["report"].startswith(f"{base}-{code}-"):
            continue
        html = [f for f in o.get("outputs", {}) if f.endswith(".html") and f.startswith(f"{base}/")]
        if html and (root / html[0]).exists():
            links[code] = html[0][len(base) + 1 :]
    return links


def update_overview(root: Path, spec: ReportSpec) -> Path | None:
    """Rewrite reports/<report>/index.html (all gemeenten, their funnel position, a link to each published report),
    trechter.png and the CSV behind the funnel. Only for a report with a gemeente parameter."""
    import pandas as pd

    if not takes_gemeente(spec):
        return None
    base = spec.base or spec.name
    path = Path(spec.parameters.get("processed_dir") or paths.processed_dir()) / f"{GEMEENTE_PANEL}.parquet"
    from analysis.report import overview

    with _lock(root, "manifest"):  # the links come from the manifest; the main index then links the overview
        overview.write_overview(root, base, spec.title, pd.read_parquet(path), published_links(root, base))
        write_index(root, [])
    return root / base / "index.html"


# ------------------------------------------------------------------------------------------------ batch


def new_run_id() -> str:
    return dt.datetime.now().astimezone().strftime("%Y%m%dT%H%M%S") + "-" + os.urandom(3).hex()


def _job(args) -> RenderResult:
    spec, audience, params, formats, root, run_id, code = args
    return render_report(
        spec, audience=audience, params=params, formats=formats, reports_root=root, run_id=run_id, code=code,
        warm=True,
    )  # fmt: skip


def package_versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for p in (
        "pandas",
        "numpy",
        "statsmodels",
        "papermill",
        "pandera",
        "great_tables",
        "typst",
        "pikepdf",
        "pypandoc_binary",
        "matplotlib",
        "seaborn",
        "duckdb",
        "pyarrow",
    ):
        try:
            out[p] = version(p)
        except PackageNotFoundError:
            pass
    out["analysis"] = __version__
    return out


def _git(*args: str) -> str | None:
    try:
        return subprocess.run(
            ["git", *args], capture_output=True, text=True, check=True, cwd=paths.project_root()
        ).stdout
    except Exception:  # not a checkout, or no git: the manifest says so instead of failing the batch
        return None


def git_commit() -> str:
    out = _git("rev-parse", "HEAD")
    return out.strip() if out else "unknown"


def git_dirty() -> bool | None:
    """True when the working tree has uncommitted changes: the commit alone then does not identify the code."""
    out = _git("status", "--porcelain", "--untracked-files=no")
    return None if out is None else bool(out.strip())


class DamagedStateError(RenderError):
    """manifest.json or history.json cannot be read: the run stops, the file is kept for a person to look at."""


def _read_state(p: Path, kind: str) -> dict | None:
    if not p.exists():
        return None
    try:
        raw = p.read_text(encoding="utf-8")
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        what = "empty (truncated?)" if not raw.strip() else f"not valid JSON ({exc})"
        raise DamagedStateError(
            f"{p}: {kind} is damaged: {what}; it is kept as it is. Restore it from a backup, or move it away to "
            "start a new record (every report then renders again)"
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("outputs" if kind == "manifest" else "runs"), list):
        raise DamagedStateError(f"{p}: {kind} is damaged: not the layout this program writes; it is kept as it is")
    return data


def load_manifest(root: Path) -> dict:
    """The manifest of one tree (public or intern). Missing = nothing recorded yet; damaged = DamagedStateError."""
    m = _read_state(Path(root) / "manifest.json", "manifest")
    return m if m is not None else {"outputs": []}


def load_manifests(root: Path) -> dict:
    """Public and intern manifests together (the intern one only when its tree exists)."""
    m = load_manifest(root)
    if intern_root(root).exists():
        m = {**m, "outputs": m["outputs"] + load_manifest(intern_root(root))["outputs"]}
    return m


def load_history(root: Path) -> list[dict]:
    h = _read_state(Path(root) / "history.json", "history")
    return h["runs"] if h is not None else []


def check_state(root: Path) -> None:
    """Before anything renders: every manifest and history this run will extend must be readable, so a run never
    publishes files it then cannot record (DamagedStateError names the file; nothing is replaced)."""
    for tree in (Path(root), intern_root(root)):
        load_manifest(tree)
        load_history(tree)


def _input_hash(data_sha: str, meta_sha: str) -> str:
    """An input is its table and its metadata (the report prints the description and citation too)."""
    return f"{data_sha}+{meta_sha}" if meta_sha else data_sha


def _current_inputs(previous: dict, params: dict, cache: dict | None = None) -> dict:
    """Hashes, now, of the files a previous render read (for skip-when-unchanged), from the folder the report
    reads (its ``processed_dir`` parameter, else data/processed). ``cache``: hashes already taken in this plan
    (a national batch has 350 reports reading the same tables)."""
    base = Path(params.get("processed_dir") or paths.processed_dir())
    cache = {} if cache is None else cache
    now = {}
    for name in previous:
        p = base / f"{name}.parquet"
        if p not in cache:
            meta = p.with_suffix(".meta.json")
            cache[p] = _input_hash(_sha(p), _sha(meta) if meta.exists() else "") if p.exists() else "missing"
        now[name] = cache[p]
    return now


def plan_run(
    specs: dict[str, ReportSpec],
    root: Path,
    *,
    force: bool = False,
    only: list[str] | None = None,
    code: str | None = None,
) -> tuple[list[tuple[ReportSpec, str, str]], list[RenderResult]]:
    """Which report x audience pairs to render (with the reason) and which to skip (unchanged)."""
    manifest = load_manifests(root)
    previous = {(o["report"], o["audience"]): o for o in manifest["outputs"]}
    code = code or code_hash()  # once per plan, not once per report x audience
    todo, skipped = [], []
    hashed: dict = {}  # input file -> hash, once per plan
    for spec in specs.values():
        if only and spec.name not in only and spec.base not in only:
            continue
        if spec.error:
            continue  # rendered (and failed) by render_all, so the manifest says why
        for aud in spec.audiences:
            params = {**spec.parameters, "audience": aud}
            prev = previous.get((spec.name, aud))
            if force:
                todo.append((spec, aud, "forced (--force)"))
                continue
            if not prev or prev.get("status") != "ok" or prev.get("action") == "failed":
                todo.append((spec, aud, "first render" if not prev else "previous render failed"))
                continue
            parts = key_parts(
                spec, aud, params, spec.formats, _current_inputs(prev.get("inputs", {}), params, hashed), code=code
            )
            tree = audience_root(root, aud)
            files_ok = bool(prev.get("outputs")) and all(
                (tree / f).exists() and _sha(tree / f) == h for f, h in prev["outputs"].items()
            )
            if _key_of(parts) == prev.get("key") and files_ok:
                skipped.append(RenderResult.from_dict({**prev, "action": "skipped", "reason": "unchanged"}))
            elif not files_ok and _key_of(parts) == prev.get("key"):
                todo.append((spec, aud, "output files missing or modified"))
            else:
                todo.append((spec, aud, change_reason(prev.get("key_parts", {}), parts)))
    return todo, skipped


def _pool_context():
    """Worker processes that do not inherit the caller's threads. A plain fork of a process that runs threads (a
    Jupyter kernel's, a browser driver's, a thread pool's) can leave a lock held in the child, and the batch hangs.
    A fork server is started clean once, with the render code imported, and forks workers cheaply from there;
    where there is none (Windows), workers are spawned."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["analysis.report.render"])
        return ctx
    return multiprocessing.get_context("spawn")


def render_all(
    specs: dict[str, ReportSpec],
    *,
    reports_root: Path | None = None,
    force: bool = False,
    workers: int = 2,
    only: list[str] | None = None,
    progress=None,
    kind: str = "render --all",
) -> list[RenderResult]:
    """Render every report x audience in parallel (one kernel per report), write manifest.json, history.json and
    index.html. Unchanged reports are skipped; the manifest says for each output which run produced it and why
    the latest run rendered or skipped it."""
    root = Path(reports_root or paths.reports_dir())
    root.mkdir(parents=True, exist_ok=True)
    run_id = new_run_id()
    started = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    code = code_hash()
    check_state(root)
    specs = expand_all(specs)
    todo, results = plan_run(specs, root, force=force, only=only, code=code)
    for spec in specs.values():
        if spec.error and (not only or spec.name in only):
            now = dt.datetime.now().astimezone().isoformat(timespec="seconds")
            results.append(
                RenderResult(
                    spec.name,
                    "openbaar",
                    {},
                    "failed",
                    now,
                    now,
                    0.0,
                    error=spec.error,
                    run_id=run_id,
                    action="failed",
                    reason="broken entry in reports.toml",
                )  # fmt: skip
            )
    for r in results:
        if progress:
            progress(r)
    with StopRequest().installed() as stop:  # until the run is recorded: a signal never cuts the bookkeeping
        finished = _run_pool(todo, results, root, run_id, code, workers, stop, progress)
        kind = "render --all" + (f" (stopped by {stop.name})" if stop.signum is not None else "")
        record_run(root, results, run_id=run_id, started=started, kind=kind)
        if stop.signum is None:
            _update_overviews(root, specs, only, results)
    if stop.signum is not None:
        raise RenderInterrupted(
            f"render --all stopped by {stop.name}: {finished} render(s) finished and recorded in the manifest; "
            f"{len(todo) - finished} not started (they keep their previous files)",
            stop.signum,
        )
    return results


def _run_pool(todo, results: list, root: Path, run_id: str, code: str, workers: int, stop, progress) -> int:
    """Render ``todo`` in worker processes, appending to ``results``; after a stop request nothing new starts and
    the running renders finish. Returns how many finished."""
    if not todo:
        return 0
    finished = 0
    jobs = [(spec, aud, {**spec.parameters}, spec.formats, root, run_id, code) for spec, aud, _ in todo]
    reasons = {(spec.name, aud): why for spec, aud, why in todo}
    with ProcessPoolExecutor(
        max_workers=max(1, min(workers, len(jobs))), mp_context=_pool_context(), initializer=_worker_init
    ) as pool:
        pending = {pool.submit(_job, j) for j in jobs}
        while pending:
            done, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            for fut in done:
                if fut.cancelled():
                    continue
                r = fut.result()
                r.reason = reasons[(r.report, r.audience)]
                results.append(r)
                finished += 1
                if progress:
                    progress(r)
            if stop.signum is not None:  # a safe point: start nothing new, let the running renders finish
                pending = {f for f in pending if not f.cancel()}
    return finished


class RenderInterrupted(RenderError):
    """A batch stopped by SIGINT/SIGTERM at a safe point; ``signum`` gives the exit code (128 + signum)."""

    def __init__(self, msg: str, signum: int):
        super().__init__(msg)
        self.signum = signum


def _worker_init() -> None:
    """Workers ignore Ctrl-C (the terminal sends it to the whole process group): the batch decides when to stop,
    so a render is never cut between writing its files and the manifest recording them."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


class StopRequest:
    """SIGINT/SIGTERM during a batch: remember it, stop starting renders; the loop reaches a safe point."""

    def __init__(self):
        self.signum: int | None = None

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name if self.signum is not None else ""

    def __call__(self, signum, frame) -> None:
        self.signum = signum

    @contextlib.contextmanager
    def installed(self):
        import threading

        if threading.current_thread() is not threading.main_thread():  # signals are only delivered to main
            yield self
            return
        old = {sig: signal.signal(sig, self) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield self
        finally:
            for sig, handler in old.items():
                signal.signal(sig, handler)


def _update_overviews(root: Path, specs: dict[str, ReportSpec], only, results: list[RenderResult]) -> None:
    """The overview of every per-gemeente report that was rendered for more than its default gemeente; a failure
    to write it is reported on the default's entry, never lost and never stopping the run."""
    bases = {}
    for s in specs.values():
        if s.base and s.name != s.base and not s.error and (not only or s.name in only or s.base in only):
            bases.setdefault(s.base, s)
    for base, s in bases.items():
        try:
            update_overview(root, s)
        except Exception as exc:  # the reports are published; the overview says so next run
            results.append(RenderResult(base, "overzicht", {}, "failed", "", "", 0.0, action="failed",
                                        error=f"overview {base}/index.html: {type(exc).__name__}: {exc}"))  # fmt: skip


def record_run(root: Path, results: list[RenderResult], *, run_id: str, started: str, kind: str) -> None:
    """Merge a run's results into manifest.json, append it to history.json and rewrite index.html, under one lock
    so that two runs finishing at once do not lose each other's entries. Each tree (public, intern) has its own
    manifest and history; the public index lists the public tree only."""
    with _lock(root, "manifest"):
        for audience, tree in (("openbaar", Path(root)), ("intern", intern_root(root))):
            part = [r for r in results if (r.audience == "intern") == (audience == "intern")]
            if audience == "intern" and not part and not tree.exists():
                continue
            _record_tree(tree_dir(tree, audience), part, run_id=run_id, started=started, kind=kind)
        write_index(root, [r for r in results if r.audience != "intern"])


def _record_tree(tree: Path, results: list[RenderResult], *, run_id: str, started: str, kind: str) -> None:
    from analysis.data.io import write_json_atomic

    history = load_history(tree)  # read (and refused if damaged) before anything is written
    write_manifest(tree, results, load_manifest(tree), run_id=run_id)
    finished = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    entry = {
        "run_id": run_id,
        "kind": kind,
        "started": started,
        "finished": finished,
        "rendered": sum(r.action == "rendered" for r in results),
        "skipped": sum(r.action == "skipped" for r in results),
        "failed": sum(r.action == "failed" for r in results),
        "reports": [
            {"report": r.report, "audience": r.audience, "action": r.action, "reason": r.reason, "error": r.error}
            for r in sorted(results, key=lambda r: (r.report, r.audience))
        ],
    }
    write_json_atomic({"runs": (history + [entry])[-HISTORY_RUNS:]}, tree / "history.json")
    mode = 0o600 if tree.name.endswith("-intern") else 0o644
    for f in ("manifest.json", "history.json"):
        os.chmod(tree / f, mode)


def write_manifest(root: Path, results: list[RenderResult], old: dict, *, run_id: str = "") -> None:
    """One entry per report x audience. ``status`` is the state of the files on disk (ok = a good render is
    published); ``run_id`` is the run that produced them; ``action``/``reason``/``last_run`` say what the latest run
    did and why. A failed render keeps pointing at the previous good files, which stay in place."""
    from analysis.data.io import write_json_atomic

    previous = {(o["report"], o["audience"]): o for o in old.get("outputs", [])}
    done = {(r.report, r.audience) for r in results}
    kept = [o for key, o in previous.items() if key not in done]
    now = dt.datetime.now().astimezone().isoformat(timespec="seconds")
    outputs = []
    for r in results:
        last = {"run_id": run_id or r.run_id, "action": r.action, "reason": r.reason, "at": now, "error": r.error}
        prev = previous.get((r.report, r.audience))
        if r.action == "failed" and prev and prev.get("status") == "ok":
            d = {**prev, "last_run": last, "action": "failed", "error": r.error, "reason": r.reason}
        else:
            d = {**asdict(r), "last_run": last}
        outputs.append(d)
    write_json_atomic(
        {
            "run_id": run_id,
            "generated": now,
            "git_commit": git_commit(),
            "git_dirty": git_dirty(),
            "packages": package_versions(),
            # what every published file was checked against before it was moved into place
            "publication_rules": {
                "pdf": accessibility.PDF_STANDARDS_LABEL,
                "html": "WCAG 2.1 AA rules (analysis.report.accessibility.html_problems)",
            },
            "outputs": sorted(kept + outputs, key=lambda o: (o["report"], o["audience"])),
        },
        root / "manifest.json",
    )


def _when(iso: str) -> str:
    """'2026-11-26T02:31:05+00:00' -> '26 november 2026, 02:31' (the index is read by people)."""
    from analysis.formatting import date

    try:
        t = dt.datetime.fromisoformat(iso)
    except ValueError:
        return iso
    return f"{date(t.date())}, {t:%H:%M}"


def _index_gemeente(o: dict) -> str:
    """The gemeente a per-gemeente report is for, in its index row (Utrecht's report is not 'hh-raad')."""
    from html import escape

    if not o.get("gemeente"):
        return ""
    return f"<br><small>gemeente {escape(o.get('gemeente_naam') or '')} ({escape(o['gemeente'])})</small>"


def _index_overviews(root: Path) -> str:
    """Links to the overviews of per-gemeente reports (reports/<report>/index.html), when written."""
    from html import escape

    found = sorted(p.parent.name for p in root.glob("*/index.html"))
    if not found:
        return ""
    items = "".join(f'<li><a href="{escape(n)}/index.html">{escape(n)}: alle gemeenten</a></li>' for n in found)
    return f"<p>Overzicht per gemeente, met trechterdiagram en tabel:</p><ul>{items}</ul>\n"


def write_index(root: Path, results: list[RenderResult]) -> None:
    """An accessible listing of all reports (reads the manifest, so it lists earlier renders too)."""
    from html import escape

    from analysis.data.io import atomic_path
    from analysis.formatting import date

    m = load_manifest(root)
    rows = []
    for o in m["outputs"]:
        if o.get("audience") != "openbaar":  # the public index never names a confidential output
            continue
        links = " ".join(
            f'<a href="{escape(f)}">{escape(Path(f).suffix[1:].upper())}'
            f'<span class="sr"> van {escape(o["report"])} ({escape(o["audience"])})</span></a>'
            for f in o.get("outputs", {})
            if not f.endswith(".ipynb")
        )
        last = o.get("last_run", {})
        status = {"ok": "gepubliceerd", "failed": "niet beschikbaar"}.get(o["status"], o["status"])
        did = {"rendered": "opnieuw gemaakt", "skipped": "overgeslagen (ongewijzigd)", "failed": "mislukt"}.get(
            last.get("action", ""), last.get("action", "")
        )
        err = f"<br><small>{escape(o.get('error', ''))}</small>" if last.get("action") == "failed" else ""
        synth = "ja" if o.get("synthetic") else "nee"
        rows.append(
            f"<tr><td>{escape(o['report'])}{_index_gemeente(o)}</td><td>{escape(o['audience'])}</td>"
            f"<td>{links or '–'}</td>"
            f"<td>{status}</td><td>{escape(did)}{err}</td><td>{synth}</td>"
            f"<td>{escape(_when(o.get('finished', '')))}</td></tr>"
        )
    html = f"""<!DOCTYPE html>
<html lang="nl"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Rapporten sociaal domein gemeente Groningen</title>
<style>body{{font-family:Arial,Helvetica,sans-serif;color:#1a1a1a;max-width:60em;margin:0 auto;padding:1.5em}}
table{{border-collapse:collapse}}th,td{{border-bottom:1px solid #8a8a8a;padding:.4em .7em;text-align:left}}
a{{color:#005a87}}td a{{display:inline-block;min-width:24px;min-height:24px;padding:.15em .3em;margin-right:.4em}}
.sr{{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}}
.skip-link{{position:absolute;left:-10000px}}.skip-link:focus{{position:static}}
a:focus-visible{{outline:3px solid #f0b400;outline-offset:2px}}main:focus{{outline:none}}</style>
</head><body><a class="skip-link" href="#inhoud">Direct naar de inhoud</a>
<header><p>Gemeente Groningen · sociaal domein</p></header>
<main id="inhoud" tabindex="-1">
<h1>Rapporten sociaal domein</h1>
<p>Overzicht van gegenereerde rapporten, bijgewerkt op {escape(date(dt.date.today()))}. Commit
<code>{escape(m.get("git_commit", "")[:10])}</code>. Details per rapport staan in
<a href="manifest.json">manifest.json</a>.</p>
<p>De PDF-bestanden zijn {accessibility.PDF_STANDARDS_LABEL} (archiveerbaar en toegankelijk). De HTML-bestanden zijn
automatisch getoetst op de regels van WCAG 2.1 niveau AA.</p>
{_index_overviews(root)}<table><caption>Rapporten en hun status</caption>
<thead><tr><th scope="col">Rapport</th><th scope="col">Publiek</th><th scope="col">Bestanden</th>
<th scope="col">Status</th><th scope="col">Laatste run</th><th scope="col">Synthetische gegevens</th>
<th scope="col">Gemaakt</th></tr></thead>
<tbody>{"".join(rows)}</tbody></table></main></body></html>
"""
    with atomic_path(root / "index.html") as tmp:
        tmp.write_text(html, encoding="utf-8")
    os.chmod(root / "index.html", FILE_MODE["openbaar"])
