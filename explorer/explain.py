"""Plain-language explanations of any module of a model, in English and Korean."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from torch import nn

LANGS = ("en", "ko")

# An explanation is built from sentences; each sentence is an (English, Korean) pair so that the
# two languages always state the same facts.
Text = tuple  # (en: str, ko: str)


def num(value) -> str:
    """Format a count with thousands separators (``30522`` -> ``"30,522"``)."""
    return f"{value:,}"


_DIGIT_BATCHIM = {
    "0": True,
    "1": True,
    "2": False,
    "3": True,
    "4": False,
    "5": False,
    "6": True,
    "7": True,
    "8": True,
    "9": False,
}


def josa(word: str, with_batchim: str, without: str) -> str:
    """Pick a Korean particle for ``word`` (e.g. ``josa("LayerNorm", "은", "는")`` -> "은").

    Hangul is read exactly; digits by their Korean reading; Latin names by how Korean
    learners usually pronounce their ending (final m, n, l, ng and "out" take a batchim).
    """
    word = word.rstrip(" )]'\"`")
    if not word:
        return without
    last = word[-1]
    if "가" <= last <= "힣":
        return with_batchim if (ord(last) - 0xAC00) % 28 else without
    if last.isdigit():
        return with_batchim if _DIGIT_BATCHIM[last] else without
    low = word.lower()
    has = low[-1] in "mnl" or low.endswith(("ng", "out", "ck"))
    return with_batchim if has else without


def josa_ro(word: str) -> str:
    """The particle 로/으로 for ``word`` (로 after a vowel or ㄹ, 으로 after other batchim)."""
    word = word.rstrip(" )]'\"`")
    last = word[-1:] or "a"
    if "가" <= last <= "힣":
        final = (ord(last) - 0xAC00) % 28
        return "으로" if final and final != 8 else "로"
    if last.isdigit():
        return "으로" if last in "036" else "로"
    return "으로" if josa(word, "x", "") and not word.lower().endswith("l") else "로"


def names(items, limit: int = 6) -> str:
    """Join module names, eliding the middle of long lists."""
    items = list(items)
    if len(items) > limit:
        items = items[: limit - 1] + [f"… {items[-1]}"]
    return ", ".join(items)


@dataclass
class Ctx:
    """Everything a describer may read about one module of a model."""

    model: nn.Module
    module: nn.Module
    path: str
    counted: int = 0
    total: int = 0
    shared: list = field(default_factory=list)  # [(own param name, [other full names])]
    aliases: list = field(default_factory=list)  # other paths of this same module object

    @property
    def name(self) -> str:
        return self.path.rsplit(".", 1)[-1]

    @property
    def type(self) -> str:
        return type(self.module).__name__

    @property
    def config(self):
        return getattr(self.model, "config", None)

    @cached_property
    def ancestors(self) -> list:
        """``[(path, module), ...]`` from the root down to the parent."""
        out, parts = [("", self.model)], self.path.split(".") if self.path else []
        for i in range(1, len(parts)):
            p = ".".join(parts[:i])
            out.append((p, self.model.get_submodule(p)))
        return out if self.path else []

    @property
    def parent(self):
        return self.ancestors[-1][1] if self.ancestors else None

    @property
    def parent_type(self) -> str:
        return type(self.parent).__name__ if self.parent is not None else ""

    @property
    def parent_name(self) -> str:
        return self.ancestors[-1][0].rsplit(".", 1)[-1] if self.ancestors else ""

    def inside(self, *words: str) -> bool:
        """True when the parent's type or attribute name contains one of ``words``."""
        hay = (self.parent_type + " " + self.parent_name).lower()
        return any(w.lower() in hay for w in words)

    def children(self) -> list:
        return list(self.module.named_children())

    def child(self, name: str) -> Ctx:
        return make_ctx(self.model, f"{self.path}.{name}" if self.path else name)


def _counts(node, module: nn.Module, path: str):
    """Parameters counted at ``path`` (module_tree's rule: each tensor once, at its first path),
    parameters the module uses, and its tensors that other paths hold too (tied weights)."""
    prefix = f"{path}." if path else ""
    total = sum(p.numel() for p in module.parameters())
    shared = []
    for sub in node.walk():
        for t in sub.tensors:
            others = [o for o in t["shared_with"] if not o.startswith(prefix)]
            if t["kind"] == "param" and others:
                shared.append((t["path"], others))
    return node.params, total, shared


def make_ctx(model: nn.Module, path: str, tree=None) -> Ctx:
    """Build the context for the module at ``path`` (raises KeyError naming an unknown path)."""
    if not isinstance(path, str):
        raise TypeError(
            f"path must be a str like 'distilbert.embeddings', not {type(path).__name__}"
        )
    try:
        module = model.get_submodule(path)
    except AttributeError:
        raise KeyError(
            f"no module at path {path!r} in {type(model).__name__} "
            "(paths are the names printed by model.named_modules(), '' for the whole model)"
        ) from None
    if tree is None:
        from explorer.anatomy import module_tree

        tree = module_tree(model)
    counted, total, shared = _counts(tree.find(path), module, path)
    aliases = [
        p for p, m in model.named_modules(remove_duplicate=False) if m is module and p != path
    ]
    return Ctx(model, module, path, counted, total, shared, aliases)


def resolve_model(model) -> nn.Module:
    """Return the nn.Module behind ``model`` (a module itself, or a pipeline's ``.model``)."""
    from explorer.anatomy import unwrap_model

    return unwrap_model(model)


def _param_sentences(ctx: Ctx) -> list:
    out = []
    if ctx.total == 0:
        out.append(("It has no parameters.", "파라미터가 없습니다."))
    elif ctx.counted == ctx.total:
        out.append(
            (f"It has {num(ctx.total)} parameters.", f"파라미터는 {num(ctx.total)}개입니다.")
        )
    else:
        elsewhere = ctx.total - ctx.counted
        out.append(
            (
                f"It uses {num(ctx.total)} parameters; {num(elsewhere)} of them are shared with "
                f"another part of the model and counted there, so it adds {num(ctx.counted)}.",
                f"파라미터 {num(ctx.total)}개를 사용하지만, 그중 {num(elsewhere)}개는 모델의 다른 "
                f"부분과 공유되어 그쪽에서 한 번만 세므로 새로 더하는 파라미터는 "
                f"{num(ctx.counted)}개입니다.",
            )
        )
    for here, others in ctx.shared[:3]:
        out.append(
            (
                f"{here} is the same tensor as {names(others, 3)} (tied weights).",
                f"{here}{josa(here, '은', '는')} {names(others, 3)}"
                f"{josa(others[-1], '과', '와')} 같은 텐서입니다(가중치 공유).",
            )
        )
    if ctx.aliases:
        out.append(
            (
                f"The same module object is also registered at {names(ctx.aliases, 3)}.",
                f"같은 모듈 객체가 {names(ctx.aliases, 3)} 경로에도 등록되어 있습니다.",
            )
        )
    return out


def describe(ctx: Ctx) -> list:
    """All sentences about ``ctx``'s module as (en, ko) pairs, parameter count last."""
    from explorer import explain_blocks, explain_containers, explain_layers

    for fn in (
        explain_blocks.describe_model,
        explain_containers.describe_moe,  # before leaves: a 4.x router is a plain Linear
        explain_layers.describe_leaf,
        explain_containers.describe_container,
    ):
        found = fn(ctx)
        if found:
            break
    else:
        found = explain_containers.describe_generic(ctx)
    return list(found) + _param_sentences(ctx)


def explain(model, path: str = "", lang: str = "en", *, tree=None) -> str:
    """Explain one module of a model in plain language.

    Parameters
    ----------
    model : torch.nn.Module or transformers.Pipeline
        The model (a pipeline is explained through its ``.model``). It is only read.
    path : str, default ""
        Dotted module path as in ``model.named_modules()``, e.g.
        ``"distilbert.transformer.layer.0.ffn.lin1"``; ``""`` is the whole model.
    lang : {"en", "ko"}, default "en"
        Language of the explanation: English or Korean.
    tree : ModuleNode, optional
        ``explorer.module_tree(model)`` when the caller already has it (saves rebuilding it).

    Returns
    -------
    str
        A short paragraph: what the module does, its sizes and settings read from the module
        itself (vocabulary, dimensions, dropout, eps, activation, labels...) and its exact
        parameter count (tied weights counted once, at their first path).

    Raises
    ------
    ValueError
        If ``lang`` is not one of "en", "ko".
    KeyError
        If ``path`` names no module of ``model``.
    TypeError
        If ``model`` is neither an nn.Module nor a pipeline.
    """
    if lang not in LANGS:
        raise ValueError(f"unknown lang {lang!r}; choose one of {', '.join(map(repr, LANGS))}")
    model = resolve_model(model)
    sentences = describe(make_ctx(model, path, tree))
    index = LANGS.index(lang)
    return " ".join(s[index] for s in sentences)
