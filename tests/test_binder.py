"""Binder as a user clicks it: the README's badge, binder/ in a fresh environment, postBuild."""

from __future__ import annotations

import http.server
import json
import os
import runpy
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

# Binder installs the newest transformers (5.x): under transformers 4 these would test nothing
# Binder runs.
pytestmark = pytest.mark.version_free
ROOT = Path(__file__).resolve().parents[1]
BADGE = runpy.run_path(str(ROOT / "tools" / "binder_badge.py"))
# What repo2docker's Python 3.11 environment already runs the server with (its
# buildpacks/conda/environment.py-3.11.yml): binder/requirements.txt installs on top of it.
SERVER = ["jupyterlab==4.*", "notebook==7.*", "ipywidgets==8.*", "jupyter_server==2.*"]
# The CPU torch wheel of download.pytorch.org stands in as this machine's package index's one.
PYTORCH_INDEX = "--extra-index-url https://download.pytorch.org/whl/cpu"
PEAK_LIMIT_MB = 1536  # Binder gives a kernel at most 2 GB
CHECKPOINTS = [
    "distilbert-base-uncased-finetuned-sst-2-english",
    "distilbert-base-cased-distilled-squad",
    "distilgpt2",
    "dslim/distilbert-NER",
    "typeform/distilbert-base-uncased-mnli",
]


# -- the badge -------------------------------------------------------------------------------------
def test_readme_badge_notebook_and_url_agree():
    url = BADGE["repository_url"]()
    readme = (ROOT / "README.md").read_text("utf-8")
    assert BADGE["readme_block"](readme) == BADGE["block"](url)
    assert (ROOT / BADGE["NOTEBOOK"]).is_file()
    if url is None:  # no public home yet: a sentence, and no link that opens nothing
        assert "mybinder.org" not in readme and BADGE["NO_HOME"] in readme
    else:
        assert readme.count("https://mybinder.org/v2/gh/") == 1
    assert "OWNER" not in readme


def test_badge_from_a_repository_url():
    made = BADGE["badge"]("https://github.com/someone/transformers-explorer.git")
    link = "https://mybinder.org/v2/gh/someone/transformers-explorer/HEAD"
    assert made == (
        f"[![Binder](https://mybinder.org/badge_logo.svg)]({link}"
        "?urlpath=lab/tree/notebooks/01-seed-walkthrough.ipynb)"
    )
    block = BADGE["block"]("https://github.com/someone/transformers-explorer")
    assert block.splitlines()[1] == made.replace(".git", "")
    with pytest.raises(ValueError, match="github.com/OWNER/NAME"):
        BADGE["badge"]("https://gitlab.com/someone/transformers-explorer")


def test_binder_files_follow_repo2docker():
    lines = [
        line.split("#")[0].strip()
        for line in (ROOT / "binder" / "requirements.txt").read_text().splitlines()
    ]
    wanted = [line for line in lines if line and not line.startswith("--")]
    # The server's JupyterLab, Notebook and ipywidgets are repo2docker's: never replaced here.
    assert not any(
        line.split("=")[0].split(">")[0].split("<")[0].lower().replace("_", "-")
        in {"jupyterlab", "notebook", "ipywidgets", "jupyter-server"}
        for line in wanted
    )
    assert "." in wanted and "torch==2.13.0" in wanted  # the package from the repository's root
    assert (ROOT / "binder" / "runtime.txt").read_text().strip() == "python-3.11"
    assert os.access(ROOT / "binder" / "postBuild", os.X_OK)


# -- postBuild with the hub unreachable ------------------------------------------------------------
class _Answer(http.server.BaseHTTPRequestHandler):
    status = 404
    asked: list

    def _reply(self):
        self.asked.append(self.path)
        self.send_response(self.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_HEAD = _reply

    def log_message(self, *args):
        pass


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("hub", ["offline", "refused", "not found", "rate limited"])
def test_postbuild_warns_and_goes_on_without_the_hub(hub, tmp_path):
    env = dict(os.environ, HF_HOME=str(tmp_path / "hf"), PYTHONPATH=str(ROOT))
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_HUB_CACHE", "HF_ENDPOINT"):
        env.pop(var, None)
    server = None
    if hub == "offline":
        env["HF_HUB_OFFLINE"] = "1"
    elif hub == "refused":
        env["HF_ENDPOINT"] = f"http://127.0.0.1:{_free_port()}"  # nothing listens there
    else:  # a hub that answers, but not with files: a renamed repository, a rate limit
        status = 404 if hub == "not found" else 429
        handler = type("Answer", (_Answer,), {"status": status, "asked": []})
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        env["HF_ENDPOINT"] = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        done = subprocess.run(
            ["./binder/postBuild"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900
        )
    finally:
        if server is not None:
            server.shutdown()
            server.server_close()
    assert done.returncode == 0, done.stderr[-2000:]
    warned = [line for line in done.stderr.splitlines() if line.startswith("postBuild warning")]
    for name in CHECKPOINTS:
        assert any(f"checkpoint {name} not cached" in line for line in warned), name
    assert "postBuild: 0 of 5 checkpoints cached" in done.stdout
    if hub == "rate limited":  # the hub itself refused: not asked again for the others
        repos = [p for p in handler.asked if "/resolve/" in p or p.startswith("/api/models/")]
        assert repos and all(CHECKPOINTS[0] in p for p in repos), handler.asked


# -- a fresh environment from binder/requirements.txt ----------------------------------------------
def _run(cmd, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(cmd, capture_output=True, text=True, **kwargs)
    assert done.returncode == 0, f"{cmd}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def _repository_copy(dest: Path) -> Path:
    """The repository as Binder clones it: its tracked (and new, unignored) files."""
    files = _run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT).stdout.split(
        "\0"
    )
    for name in filter(None, files):
        src = ROOT / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    return dest


DRIVER = """
import json, resource, sys, time
import nbclient, nbformat
nb = nbformat.read(sys.argv[1], as_version=4)
nb.cells.append(nbformat.v4.new_code_cell(
    "import resource; print('PEAK_RSS_KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)"))
began = time.perf_counter()
nbclient.NotebookClient(nb, timeout=300, kernel_name="python3",
                        resources={"metadata": {"path": sys.argv[2]}}).execute()
errors = [f"{o.ename}: {o.evalue}" for c in nb.cells if c.cell_type == "code"
          for o in c.outputs if o.output_type == "error"]
text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
peak = int(text.rsplit("PEAK_RSS_KB", 1)[1].split()[0])
print(json.dumps({"errors": errors, "peak_kb": peak, "seconds": time.perf_counter() - began}))
"""


@pytest.mark.binder
def test_fresh_binder_environment_runs_the_linked_notebook(tmp_path):
    repo = _repository_copy(tmp_path / "repo")
    venv = tmp_path / "venv"
    py = venv / "bin" / "python"
    pip_env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    began = time.perf_counter()
    _run([sys.executable, "-m", "venv", str(venv)])
    _run([str(py), "-m", "pip", "install", "-q", *SERVER], env=pip_env)
    requirements = (repo / "binder" / "requirements.txt").read_text().splitlines()
    assert PYTORCH_INDEX in requirements
    local = tmp_path / "requirements-here.txt"
    local.write_text("\n".join(line for line in requirements if line != PYTORCH_INDEX) + "\n")
    _run([str(py), "-m", "pip", "install", "-q", "-r", str(local)], cwd=repo, env=pip_env)
    build = time.perf_counter() - began
    # Jupyter looks only at this environment: a private home, no JUPYTER_PATH.
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTER", "HF_", "PYTHON"))}
    env.update(HOME=str(tmp_path / "home"), HF_HOME=str(tmp_path / "hf"), HF_HUB_OFFLINE="1")
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env['PATH']}"
    listed = _run([str(venv / "bin" / "jupyter"), "labextension", "list"], env=env)
    for ext in ("anywidget", "@jupyter-widgets/jupyterlab-manager"):
        line = next((x for x in (listed.stdout + listed.stderr).splitlines() if ext in x), "")
        assert "enabled" in line and "OK" in line, (ext, listed.stdout, listed.stderr)
    where = _run([str(py), "-c", "import explorer; print(explorer.__file__)"], env=env, cwd="/")
    assert where.stdout.startswith(str(venv))  # installed from the repository, not a path
    notebook = repo / BADGE["NOTEBOOK"]
    run = _run([str(py), "-c", DRIVER, str(notebook), str(notebook.parent)], env=env, timeout=900)
    got = json.loads(run.stdout.strip().splitlines()[-1])
    peak_mb = got["peak_kb"] / 1024
    print(
        f"binder environment built in {build:.0f} s; {notebook.name} ran in "
        f"{got['seconds']:.0f} s, kernel peak RSS {peak_mb:.0f} MB"
    )
    assert got["errors"] == []
    assert peak_mb < PEAK_LIMIT_MB
