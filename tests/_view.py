"""Reading an exported view back in tests: its packed JSON, compressed parts, CSS and markup."""

from __future__ import annotations

import base64
import functools
import json
import re
import zlib
from html.parser import HTMLParser
from typing import Any

import torch
from torch import nn

EVIL = "</script><img src=x onerror=alert(1)>"
EVIL_TYPE = "<b>Bold</b>Block"


def evil_model() -> nn.Module:
    """Module names and a class name that are markup, plus tied and aliased modules."""
    model = nn.Sequential()
    model.add_module(EVIL, nn.Linear(3, 2))
    model.add_module("block", type(EVIL_TYPE, (nn.Module,), {})())
    model.block.add_module("inner", nn.Linear(2, 2, bias=False))
    model.add_module("tied", nn.Linear(2, 2, bias=False))
    model.tied.weight = model.block.inner.weight  # a shared tensor
    model.add_module("again", model.block)  # the same module at a second path
    return model


class Proj(nn.Module):
    """A projection's parameters without Linear's random init (79,000 of those take minutes)."""

    def __init__(self, fin: int, fout: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.empty(fout, fin))


@functools.cache
def moe_like(layers: int = 61, experts: int = 256, width: int = 8) -> nn.Module:
    """DeepSeek-V3 as transformers 4.x lays it out (one module per expert): ``layers`` x
    (attention + router + ``experts`` x MLP), ~79,000 modules for the defaults. Shared: read only."""

    def mlp() -> nn.Module:
        m = nn.Module()
        m.gate_proj, m.up_proj = Proj(width, 2 * width), Proj(width, 2 * width)
        m.down_proj, m.act_fn = Proj(2 * width, width), nn.SiLU()
        return m

    def layer() -> nn.Module:
        lay = nn.Module()
        lay.self_attn = nn.ModuleDict({k: Proj(width, width) for k in "qkvo"})
        lay.mlp = nn.Module()
        lay.mlp.gate = Proj(width, experts)
        lay.mlp.experts = nn.ModuleList(mlp() for _ in range(experts))
        lay.input_layernorm, lay.post_attention_layernorm = Proj(1, width), Proj(1, width)
        return lay

    model = nn.Module()
    model.embed_tokens = Proj(1000, width)
    model.layers = nn.ModuleList(layer() for _ in range(layers))
    model.lm_head = Proj(width, 1000)
    return model


def packed(text: str, index: int = 0) -> dict[str, Any]:
    """The JSON of the ``index``-th view in ``text``."""
    blocks = re.findall(
        r'<script type="application/json" class="txe-data">(.*?)</script>', text, re.S
    )
    assert blocks, "no view data"
    return json.loads(blocks[index])


def unz(b64: str) -> Any:
    """One compressed part, as the view's script reads it (zlib + base64, JSON)."""
    return json.loads(zlib.decompress(base64.b64decode(b64)).decode("utf-8"))


def part(text: str, name: str, index: int = 0) -> Any:
    """The decoded part ``name`` (``tree``, ``explain``, ``map``, ``figures``) of a view."""
    return unz(packed(text, index)["z"][name])


def bodies(text: str, index: int = 0) -> list[dict]:
    """Every details body of a view, in order."""
    out: list[dict] = []
    for chunk in packed(text, index)["z"]["bodies"]:
        out.extend(unz(chunk))
    return out


def styles(text: str) -> list[str]:
    """The text of every ``<style>`` element."""
    return re.findall(r"<style>(.*?)</style>", text, re.S)


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text outside scripts and styles."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self._skip = 0
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)
