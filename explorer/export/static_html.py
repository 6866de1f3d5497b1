"""The view's markup that works with no script and no stylesheet: nested ``<details>`` for the
top of the tree, the selected module's facts, the SVG treemap, explanation and last results.

Every piece of model text is escaped here; layout that matters is in inline attributes too, so
a renderer that strips ``<script>``, ``<style>`` and classes (GitHub's) still shows the tree and
the treemap.
"""

from __future__ import annotations

from html import escape
from typing import Any

from ..numbers import share
from .encode import TreeReader
from .svgmap import svg

__all__ = ["static_view", "static_tree", "STATIC_ROWS", "STATIC_DEPTH"]

STATIC_ROWS = 300  # rows of the script-free tree (the rest loads when the script runs)
STATIC_DEPTH = 3  # levels below the root it opens up to
_WARN = "color:#c62828;font-weight:bold"
_MUTED = "color:#616161"


def _e(text: Any) -> str:
    return escape(str(text), quote=True)


def _badges(row: dict) -> str:
    return "".join(
        f' <small class="txe-badge" style="{_MUTED}">[{_e(b)}]</small>' for b in row.get("b", ())
    )


def _label(row: dict, name: str, selected: bool) -> str:
    """One row: name (the type at the root), type, badges, short count (exact in its title)."""
    name_html = f"<code>{_e(name or row['t'])}</code>"
    if selected:
        name_html = f"<strong>{name_html}</strong>"
    kind = f' <span class="txe-t" style="{_MUTED}">{_e(row["t"])}</span>' if name else ""
    return (
        f"{name_html}{kind}{_badges(row)}"
        f' <span class="txe-c" title="{row["c"]:,} parameters">{_e(row["s"])}</span>'
    )


def static_tree(data: dict[str, Any], rows: int = STATIC_ROWS, depth: int = STATIC_DEPTH) -> str:
    """The top of the module tree as nested lists of ``<details>``: breadth first, at most
    ``rows`` rows and ``depth`` levels; folded runs show their first member."""
    enc = data["tree"]
    reader = TreeReader(enc, enc.get("new", ()))
    selected = data["state"]["selected"]
    on_way = {""} | {
        ".".join(selected.split(".")[:i]) for i in range(1, selected.count(".") + 2) if selected
    }
    budget = [rows]

    def node(path: str, name: str, shape: int, level: int) -> str:
        budget[0] -= 1
        row = reader.row(path, name, shape)
        label = _label(row, name, path == selected)
        items = reader.items(path, shape) if level < depth and budget[0] > 0 else []
        if not items:
            more = " …" if row["k"] else ""
            return f'<li><span class="txe-leaf">{label}{more}</span></li>'
        is_open = " open" if path in on_way else ""
        return (
            f"<li><details{is_open}><summary>{label}</summary>{kids(items, level)}</details></li>"
        )

    def kids(items: list, level: int) -> str:
        out = ['<ul class="txe-ul">']
        for i, it in enumerate(items):
            if budget[0] <= 0:
                out.append(f'<li style="{_MUTED}">… {len(items) - i} more</li>')
                break
            if it[0] == "node":
                out.append(node(it[2], it[1], it[3], level + 1))
                continue
            grow, members = it[1], it[2]
            budget[0] -= 1
            head = (
                f"<code>({_e(grow['n'])})</code> {grow['x']} × "
                f'<span class="txe-t">{_e(grow["t"])}</span>'
                f' <span class="txe-c" title="{grow["c"]:,} parameters">{_e(grow["s"])}</span>'
            )
            name, path, shape = members[0]
            inner = node(path, name, shape, level + 1)
            rest = [m for m in members[1:]]
            same = all(m[2] == shape for m in rest)
            note = (
                f'<li style="{_MUTED}">{_e(rest[0][0])}–{_e(rest[-1][0])}: '
                f"{'the same as ' + _e(name) if same else 'folded'}</li>"
                if rest
                else ""
            )
            is_open = " open" if any(m[1] in on_way for m in members) else ""
            out.append(
                f'<li><details{is_open}><summary>{head}</summary><ul class="txe-ul">'
                f"{inner}{note}</ul></details></li>"
            )
        out.append("</ul>")
        return "".join(out)

    root = node("", "", enc["root"], 0)
    return f'<ul class="txe-ul txe-top">{root}</ul>'


def static_details(data: dict[str, Any]) -> str:
    """The selected module's facts, its torch text and its first tensors."""
    d = data["details"]
    total = data["meta"]["params"]
    facts = [
        ("parameters", f"{d['params']:,} ({share(d['params'], total)} of all)"),
        ("own parameters", f"{d['own_params']:,}"),
        ("trainable", f"{d['trainable_params']:,}"),
        ("buffers", f"{d['buffers']:,}"),
        ("dtype", ", ".join(d["dtypes"]) or "–"),
        ("device", ", ".join(d["devices"]) or "–"),
        ("children", f"{d['n_children']:,}"),
    ]
    if d.get("output"):
        facts.append(("output shape", d["output"]))
    if d.get("new"):
        facts.append(("new", "newly initialized: random weights, not loaded"))
    facts += [(k, v) for k, v in d.get("notes", ())]  # PEFT adapters, accelerate placement
    dl = "".join(f'<tr><th scope="row">{_e(k)}</th><td>{_e(v)}</td></tr>' for k, v in facts)
    rows = "".join(
        f"<tr><td><code>{_e(t['name'])}</code></td><td>{_e(list(t['shape']))}</td>"
        f"<td>{_e(t['dtype'])}</td><td>{t['numel']:,}</td><td>{_e(t['kind'])}</td></tr>"
        for t in d["tensors"][:12]
    )
    table = (
        "<table><tr><th>tensor</th><th>shape</th><th>dtype</th><th>numel</th><th>kind</th></tr>"
        f"{rows}</table>"
        if rows
        else ""
    )
    return (
        f'<div class="txe-sdetails"><p><strong><code>{_e(d["path"] or "(root)")}</code></strong>'
        f' · {_e(d["type"])}</p><table class="txe-facts">{dl}</table>'
        f'<pre class="txe-repr">{_e(d["repr"])}</pre>{table}</div>'
    )


def _explain(data: dict[str, Any]) -> str:
    ex = data["explain"]
    path = data["state"]["selected"]
    lang = data["state"].get("lang", "en")
    ids = ex["of"].get(path)
    li = ex["langs"].index(lang) if lang in ex["langs"] else 0
    text = ex["texts"][ids[li]] if ids else ""
    where = path or data["meta"]["type"]
    return (
        f'<section class="txe-explain"><h4 class="txe-h">About <code class="txe-epath">'
        f'{_e(where)}</code></h4><div class="txe-langs" hidden></div>'
        f'<p class="txe-etext">{_e(text)}</p></section>'
    )


def _panels(data: dict[str, Any]) -> str:
    if not data["panels"]:
        return ""
    note = data["meta"].get("untrained")
    warn = f'<p class="txe-warn" style="{_WARN}">⚠ {_e(note)}</p>' if note else ""
    parts = [f'<section class="txe-panels"><h4 class="txe-h">Last results</h4>{warn}']
    for i, p in enumerate(data["panels"]):
        parts.append(
            f'<div class="txe-panel" data-panel="{i}"><h5 class="txe-h">{_e(p["title"])}</h5>'
            f'<pre class="txe-result">{_e(p.get("text") or "")}</pre></div>'
        )
    parts.append("</section>")
    return "".join(parts)


def _budget(data: dict[str, Any]) -> str:
    """What the model costs: every figure with its formula (on hover) and its numbered source."""
    b = data.get("budget")
    if not b:
        return ""
    sources: list[str] = []
    rows = []
    for r in b["rows"]:
        if r["source"] and r["source"] not in sources:
            sources.append(r["source"])
        mark = f" [{sources.index(r['source']) + 1}]" if r["source"] else ""
        value = r["text"] if r.get("value") is not None else "unknown"
        note = f'<div class="txe-bnote" style="{_MUTED}">{_e(r["note"])}</div>' if r["note"] else ""
        rows.append(
            f'<tr title="= {_e(r["formula"])}"><th scope="row">{_e(r["name"])}</th>'
            f'<td style="text-align:right">{_e(value)}<sup>{_e(mark)}</sup>{note}</td></tr>'
        )
    inputs = b.get("inputs") or {}
    said = (
        f"KV cache and GPUs for {inputs['tokens']:,} tokens x batch {inputs.get('batch', 1)}"
        f" in {inputs.get('dtype', 'bfloat16')}, GPUs of {inputs.get('gpu_gb', 80):g} GB."
        if "tokens" in inputs
        else ""
    )
    experts = "".join(
        f"<li><code>{_e(s['path'])}</code>: a token uses {s['per_token']} of {s['experts']} "
        f"experts (read from <code>{_e(s['top_k_from'])}</code>)</li>"
        for s in b.get("expert_sets", [])[:5]
    )
    meta = " · on the meta device: shapes and counts, no weights" if b.get("meta") else ""
    return (
        f'<section class="txe-budget"><h4 class="txe-h">Budget of {_e(b["model_type"])}'
        f'{_e(meta)}</h4><p style="{_MUTED}">{_e(said)} Hover a row for its formula.</p>'
        f'<table class="txe-facts">{"".join(rows)}</table>'
        + (f"<ul>{experts}</ul>" if experts else "")
        + '<ol class="txe-sources">'
        + "".join(f"<li>{_e(s)}</li>" for s in sources)
        + "</ol></section>"
    )


def static_view(data: dict[str, Any]) -> str:
    """Everything the view shows before (or without) its script."""
    meta = data["meta"]
    depth = "" if meta["max_depth"] is None else f" ({meta['max_depth']} levels below the model)"
    summary = (
        f"{meta['type']} · {meta['params']:,} parameters ({meta['trainable']:,} trainable)"
        f" · {meta['modules']:,} modules{depth}"
    )
    note = meta.get("untrained")
    warn = f'<p class="txe-warn" style="{_WARN}">⚠ {_e(note)}</p>' if note else ""
    height = int(data["state"]["height"])
    return (
        f'<header class="txe-head"><strong class="txe-title">{_e(meta["title"])}</strong>'
        f'<div class="txe-sub" style="{_MUTED}">{_e(summary)}</div>{warn}</header>'
        '<div class="txe-main" style="display:flex;flex-wrap:wrap;gap:12px;align-items:flex-start">'
        f'<div class="txe-treebox" style="flex:1 1 380px;min-width:0">'
        f'<div class="txe-live" data-height="{height}"></div>'
        f'<div class="txe-static">{static_tree(data)}{static_details(data)}</div></div>'
        '<div class="txe-mapbox" style="flex:1 1 380px;min-width:0">'
        f"{svg(data['treemap'], title='Parameter treemap of ' + meta['type'])}</div></div>"
        f"{_explain(data)}{_panels(data)}{_budget(data)}"
        f'<footer class="txe-foot" style="{_MUTED}">A static view by transformers-explorer '
        f"{_e(meta['version'])}: run the notebook for the live explorer. Counts are exact; tied "
        "weights are counted once.</footer>"
    )
