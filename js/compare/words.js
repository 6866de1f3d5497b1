// The comparison widget's words in English and Korean (the summary line itself comes from
// explorer/compare/summary.py, which counts the fold's modules in the same words).

export const WORDS = {
  en: {
    same: "same",
    changed: "changed",
    only_a: "only in A",
    only_b: "only in B",
    // the summary line's words for the same count (explorer/compare/summary.py)
    fold: (n, p) => `${n} modules in whole identical subtrees (${p} parameters)`,
    foldSpan: (a, b) => `from ${a} to ${b}: each module and everything inside it matches`,
    chipTitle: {
      same: "modules that match: same type, settings and tensor shapes " +
        "(a difference may lie inside)",
      changed: "modules at the same path that differ (the top-level row included)",
      only_a: "modules only model A has",
      only_b: "modules only model B has",
    },
    below: "something inside differs",
    params: "parameters",
    reasons: {
      type: "type",
      repr: "settings",
      tensors: "tensor shapes",
      sharing: "weight tying",
      dtype: "dtype",
    },
    absent: "not in this model",
    more: (n) => `… ${n} more rows (Enter or click to load)`,
    failed: (m) => `could not load: ${m} (Enter or click to retry)`,
    loading: "loading…",
    rows: "Aligned modules of A and B",
  },
  ko: {
    same: "같음",
    changed: "다름",
    only_a: "A에만 있음",
    only_b: "B에만 있음",
    fold: (n, p) => `통째로 동일한 하위 트리의 모듈 ${n}개 (파라미터 ${p}개)`,
    foldSpan: (a, b) => `${a}부터 ${b}까지: 각 모듈과 그 안의 모든 것이 일치합니다`,
    chipTitle: {
      same: "일치하는 모듈: 타입·설정·텐서 모양이 같음 (안쪽에 다른 부분이 있을 수 있음)",
      changed: "같은 경로에 있지만 달라진 모듈 (최상위 행 포함)",
      only_a: "A 모델에만 있는 모듈",
      only_b: "B 모델에만 있는 모듈",
    },
    below: "안쪽에 다른 부분이 있음",
    params: "파라미터",
    reasons: { type: "타입", repr: "설정", tensors: "텐서 모양", sharing: "가중치 공유", dtype: "dtype" },
    absent: "이 모델에는 없음",
    more: (n) => `… ${n}개 행 더 있음 (Enter 또는 클릭으로 불러오기)`,
    failed: (m) => `불러오지 못함: ${m} (Enter 또는 클릭으로 다시 시도)`,
    loading: "불러오는 중…",
    rows: "A와 B의 정렬된 모듈",
  },
};
