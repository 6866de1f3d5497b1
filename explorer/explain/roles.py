"""What a linear or embedding layer is for, judged from its name and where it sits in the model."""

from __future__ import annotations

from ..model_info import named_modules
from .language import num

_QUERY = {"q_lin", "q_proj", "query", "q", "to_q", "wq"}
_KEY = {"k_lin", "k_proj", "key", "k", "to_k", "wk"}
_VALUE = {"v_lin", "v_proj", "value", "v", "to_v", "wv"}
_ATTN_OUT = {"out_lin", "o_proj", "o", "out_proj", "to_out", "c_proj", "dense", "wo"}
_QKV = {"c_attn", "qkv", "qkv_proj", "Wqkv", "query_key_value", "in_proj"}
_FFN_IN = {"lin1", "fc1", "c_fc", "wi", "w1", "fc_in", "dense_h_to_4h"}
_FFN_OUT = {"lin2", "fc2", "c_proj", "wo", "w2", "fc_out", "dense_4h_to_h"}
_LM_HEAD = {"lm_head", "vocab_projector", "embed_out"}
_WORD = {"word_embeddings", "wte", "embed_tokens", "shared", "word_emb", "tok_embeddings"}
_POSITION = {"position_embeddings", "wpe", "embed_positions", "pos_emb"}


def _model_kind(ctx) -> str:
    return type(ctx.model).__name__


def _labels(ctx, n: int) -> list:
    id2label = getattr(ctx.config, "id2label", None) or {}
    if len(id2label) != n:
        return []
    items = [f"{i} = {id2label[i]}" for i in sorted(id2label)[:10]]
    if n > 10:
        items.append("…")
    text = ", ".join(items)
    generic = all(str(v) == f"LABEL_{k}" for k, v in id2label.items())
    en = f"The labels (config.id2label) are {text}"
    ko = f"레이블(config.id2label)은 {text}입니다"
    if generic:
        en += " (placeholder names: this config was not given real label names)"
        ko += "(실제 이름이 지정되지 않은 기본 이름입니다)"
    return [(en + ".", ko + ".")]


def _tied_to_input(ctx):
    """Path of the input embedding when this module's weight is that same tensor, else None."""
    get = getattr(ctx.model, "get_input_embeddings", None)
    try:
        emb = get() if get else None
    except (NotImplementedError, AttributeError):
        emb = None
    weight = getattr(ctx.module, "weight", None)
    if emb is None or weight is None or getattr(emb, "weight", None) is not weight:
        return None
    for path, mod in named_modules(ctx.model):
        if mod is emb:
            return path
    return None


def _lm_head(ctx, fin: int, fout: int) -> list:
    kind = _model_kind(ctx)
    masked = "MaskedLM" in kind
    out = [
        (
            f"The language-model head: turns each token's {num(fin)}-dimensional vector into one "
            f"score (logit) per vocabulary entry, {num(fout)} scores; the highest score is the "
            + ("predicted token at a masked position." if masked else "predicted next token."),
            f"언어 모델 헤드로, 각 토큰의 {num(fin)}차원 벡터를 어휘 항목마다 점수(로짓) 하나씩, 모두 "
            f"{num(fout)}개의 점수로 바꿉니다. 가장 높은 점수의 토큰이 "
            + (
                "가려진(mask) 위치의 토큰으로 예측됩니다."
                if masked
                else "다음 토큰으로 예측됩니다."
            ),
        )
    ]
    tied = _tied_to_input(ctx)
    if tied:
        out.append(
            (
                f"Its weight is tied to the input token embedding ({tied}): the same matrix reads "
                "tokens in and scores them out.",
                f"가중치는 입력 토큰 임베딩({tied})과 묶여(tied) 있어, 토큰을 읽어 들일 때와 점수를 "
                "낼 때 같은 행렬을 씁니다.",
            )
        )
    elif getattr(ctx.model, "get_input_embeddings", None):
        out.append(
            (
                "Its weight is separate from the input embedding (not tied).",
                "가중치는 입력 임베딩과 공유되지 않습니다(tied 아님).",
            )
        )
    return out


def _sibling_out(ctx, names) -> int | None:
    for name in names:
        sib = getattr(ctx.parent, name, None)
        size = getattr(sib, "out_features", None) or getattr(sib, "nf", None)
        if size:
            return size
    return None


def _attention_role(ctx, fin: int, fout: int) -> list:
    name = ctx.name
    if name in _QUERY:
        return [
            (
                "Makes the query vectors for attention: for each token, what it is looking for "
                "in the other tokens.",
                "어텐션에 쓰일 쿼리(query) 벡터를 만드는 선형 변환층입니다. 쿼리는 각 토큰이 다른 "
                "토큰들에서 무엇을 찾는지를 나타냅니다.",
            )
        ]
    if name in _KEY or name in _VALUE:
        out = (
            [
                (
                    "Makes the key vectors for attention: each token's key is compared with the "
                    "queries to decide how much attention the token receives.",
                    "어텐션에 쓰일 키(key) 벡터를 만드는 선형 변환층입니다. 각 토큰의 키를 쿼리와 "
                    "비교해 그 토큰이 얼마나 주목받을지 정합니다.",
                )
            ]
            if name in _KEY
            else [
                (
                    "Makes the value vectors for attention: the content each token passes on, "
                    "mixed according to the attention weights.",
                    "어텐션에 쓰일 값(value) 벡터를 만드는 선형 변환층입니다. 값은 각 토큰이 "
                    "전달하는 내용으로, 어텐션 가중치에 따라 섞입니다.",
                )
            ]
        )
        q = _sibling_out(ctx, sorted(_QUERY))
        if q and fout < q:
            out.append(
                (
                    f"It is smaller than the query projection ({num(fout)} vs {num(q)}) because "
                    "several query heads share each key/value head (grouped-query attention).",
                    f"쿼리 투영보다 작은데({num(fout)} 대 {num(q)}), 여러 쿼리 헤드가 키/값 헤드 "
                    "하나를 함께 쓰기 때문입니다(그룹 쿼리 어텐션, GQA).",
                )
            )
        return out
    if name in _QKV:
        return [
            (
                f"Computes the query, key and value vectors in one matrix multiplication: its "
                f"{num(fout)} outputs are split into query, key and value parts.",
                f"쿼리, 키, 값 벡터를 한 번의 행렬 곱으로 함께 계산합니다. 출력 {num(fout)}개를 "
                "쿼리, 키, 값 부분으로 나누어 씁니다.",
            )
        ]
    if name in _ATTN_OUT:
        return [
            (
                "The output projection of the attention: mixes the results of all heads back into "
                "one vector per token.",
                "주의 메커니즘의 출력을 만드는 선형 변환층으로, 모든 헤드의 결과를 토큰마다 하나의 "
                "벡터로 합칩니다.",
            )
        ]
    return []


def _ffn(first: bool, fin: int, fout: int) -> list:
    if first:
        verb_en = "widens" if fout > fin else "maps"
        verb_ko = "넓힙니다" if fout > fin else "바꿉니다"
        return [
            (
                f"The first layer of the feed-forward network: {verb_en} each token's vector from "
                f"{num(fin)} to {num(fout)} dimensions before the activation.",
                f"피드 포워드 네트워크의 첫 번째 선형 변환층으로, 활성화 함수를 적용하기 전에 각 "
                f"토큰의 벡터를 {num(fin)}차원에서 {num(fout)}차원으로 {verb_ko}.",
            )
        ]
    return [
        (
            f"The second layer of the feed-forward network: brings each token's vector back from "
            f"{num(fin)} to {num(fout)} dimensions.",
            f"피드 포워드 네트워크의 두 번째 선형 변환층으로, 각 토큰의 벡터를 {num(fin)}차원에서 "
            f"다시 {num(fout)}차원으로 되돌립니다.",
        )
    ]


def _gated(ctx, fin: int, fout: int) -> list:
    name = ctx.name
    if name in ("gate_proj", "wi_0"):
        up = "up_proj" if name == "gate_proj" else "wi_1"
        return [
            (
                "The gate projection of the gated feed-forward network (SwiGLU style): its output "
                f"goes through the activation and then multiplies {up}'s output element by "
                "element, deciding how much of each feature gets through.",
                "게이트형 피드 포워드 네트워크(SwiGLU 방식)의 게이트 투영입니다. 출력은 활성화 함수를 "
                f"거친 뒤 {up}의 출력과 원소별로 곱해져, 각 특징을 얼마나 통과시킬지 정합니다.",
            )
        ]
    if name in ("up_proj", "wi_1"):
        gate = "gate_proj" if name == "up_proj" else "wi_0"
        return [
            (
                f"The up projection of the gated feed-forward network: widens each token's vector "
                f"from {num(fin)} to {num(fout)} dimensions; the result is multiplied by the "
                f"activated gate ({gate}).",
                f"게이트형 피드 포워드 네트워크의 업(up) 투영으로, 토큰 벡터를 {num(fin)}차원에서 "
                f"{num(fout)}차원으로 넓힙니다. 그 결과에 활성화된 게이트({gate}) 값이 곱해집니다.",
            )
        ]
    return [
        (
            f"The down projection of the gated feed-forward network: brings the gated product back "
            f"from {num(fin)} to {num(fout)} dimensions.",
            f"게이트형 피드 포워드 네트워크의 다운(down) 투영으로, 게이트가 곱해진 결과를 "
            f"{num(fin)}차원에서 다시 {num(fout)}차원으로 되돌립니다.",
        )
    ]


def _classifier(ctx, fout: int) -> list:
    if "TokenClassification" in _model_kind(ctx):
        out = [
            (
                f"The token classifier: for every token it outputs one score (logit) per label, "
                f"{num(fout)} in total.",
                f"토큰 분류기입니다. 토큰마다 레이블별 점수(로짓)를 하나씩, 모두 {num(fout)}개 "
                "출력합니다.",
            )
        ]
    else:
        out = [
            (
                f"The classifier that makes the final decision: it outputs one score (logit) per "
                f"label, {num(fout)} outputs in total; softmax turns them into probabilities and "
                "the highest one is the prediction.",
                f"실제 분류를 수행하는 선형 변환층입니다. 레이블마다 점수(로짓)를 하나씩, 모두 "
                f"{num(fout)}개 출력하며, 소프트맥스를 거치면 확률이 되고 가장 큰 값이 예측 "
                "결과가 됩니다.",
            )
        ]
    return out + _labels(ctx, fout)


def linear_role(ctx, fin: int, fout: int) -> list:
    """Role sentences for a linear-like layer (``nn.Linear`` or GPT-2's ``Conv1D``), maybe []."""
    name, ptype = ctx.name, ctx.parent_type
    if name in _LM_HEAD or (name == "decoder" and ctx.inside("prediction")):
        return _lm_head(ctx, fin, fout)
    if name == "qa_outputs":
        if fout == 2:
            return [
                (
                    "The question-answering head: for every token it outputs 2 scores, the start "
                    "score and the end score of the answer span (start_logits and end_logits); "
                    "the answer is the span whose start and end positions score best.",
                    "질의 응답을 위한 선형 변환층입니다. 토큰마다 점수 2개, 즉 답 구간의 시작 위치 "
                    "점수와 끝 위치 점수(start_logits, end_logits)를 출력하며, 시작과 끝 점수가 "
                    "가장 좋은 구간이 답이 됩니다.",
                )
            ]
        return [
            (
                f"The question-answering head: {num(fout)} scores for every token.",
                f"질의 응답을 위한 선형 변환층으로, 토큰마다 점수 {num(fout)}개를 출력합니다.",
            )
        ]
    if name == "pre_classifier":
        distil = "DistilBert" in _model_kind(ctx)
        return [
            (
                "Part of the classification head: transforms the sentence vector (the first "
                "token's vector, at the [CLS] position) before the classifier"
                + ("; DistilBERT then applies ReLU and dropout." if distil else "."),
                "분류기 앞에 있는 선형 변환층으로, 문장 벡터(첫 번째 토큰인 [CLS] 위치의 벡터)를 "
                "분류 전에 한 번 더 변환합니다."
                + (" DistilBERT는 그다음 ReLU와 드롭아웃을 적용합니다." if distil else ""),
            )
        ]
    if name in ("classifier", "score") or (name == "out_proj" and "ClassificationHead" in ptype):
        return _classifier(ctx, fout)
    if ctx.inside("pooler") and name == "dense":
        return [
            (
                "The pooler's dense layer: transforms the first token's vector; a tanh follows.",
                "풀러(pooler)의 선형 변환층으로, 첫 번째 토큰의 벡터를 변환하며 뒤에 tanh가 "
                "이어집니다.",
            )
        ]
    if name in ("gate_proj", "up_proj", "down_proj", "wi_0", "wi_1"):
        return _gated(ctx, fin, fout)
    if name == "dense" and ptype.endswith("Intermediate"):
        return _ffn(True, fin, fout)
    if name == "dense" and ptype.endswith("Output") and not ptype.endswith("SelfOutput"):
        return _ffn(False, fin, fout)
    if ctx.inside("attention", "attn") or ptype.endswith("SelfOutput"):
        found = _attention_role(ctx, fin, fout)
        if found:
            return found
    if name in _FFN_IN:
        return _ffn(True, fin, fout)
    if name in _FFN_OUT:
        return _ffn(False, fin, fout)
    return []


def embedding_role(ctx, n: int, d: int) -> list:
    """Role sentences for an ``nn.Embedding``, maybe []."""
    name = ctx.name
    if name in _WORD:
        return [
            (
                f"Turns each token ID into a {num(d)}-dimensional embedding vector. The "
                f"vocabulary size is {num(n)}.",
                f"토큰 ID를 {num(d)}차원의 임베딩 벡터로 변환하는 층입니다. 어휘 크기는 "
                f"{num(n)}입니다.",
            )
        ]
    if name in _POSITION:
        n -= getattr(ctx.module, "offset", 0) or 0  # BART-style tables keep 2 extra rows
        return [
            (
                f"Adds position information: one learned {num(d)}-dimensional vector per "
                f"position, so the maximum sequence length is {num(n)} positions.",
                f"위치 정보를 임베딩하는 층입니다. 위치마다 학습된 {num(d)}차원 벡터가 하나씩 "
                f"있으며, 최대 시퀀스 길이는 {num(n)}입니다.",
            )
        ]
    if name == "token_type_embeddings":
        return [
            (
                f"Token type (segment) embeddings: tell the model which segment each token belongs "
                f"to (e.g. question or context); {num(n)} types, each a {num(d)}-dimensional "
                "vector.",
                f"토큰 타입(세그먼트) 임베딩입니다. 각 토큰이 어느 문장(예: 질문인지 문맥인지)에 "
                f"속하는지 알려 주며, 타입 {num(n)}개마다 {num(d)}차원 벡터가 있습니다.",
            )
        ]
    if name == "relative_attention_bias":
        return [
            (
                f"Relative position bias (as in T5): for each of {num(n)} distance buckets, one "
                f"learned number per attention head ({num(d)} heads) is added to the attention "
                "scores.",
                f"상대 위치 편향(T5 방식)입니다. 거리 구간(bucket) {num(n)}개마다 어텐션 헤드별로 "
                f"학습된 값 하나(헤드 {num(d)}개)가 있어 어텐션 점수에 더해집니다.",
            )
        ]
    return []
