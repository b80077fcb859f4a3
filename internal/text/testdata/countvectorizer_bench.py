#!/usr/bin/python3
"""The peer of BenchmarkFitVsCountVectorizer: scikit-learn's CountVectorizer
fitting a vocabulary on the same texts, one per line of FILE.

The settings match exp's defaults as closely as CountVectorizer allows:
lowercase, tokens that are maximal runs of letters and digits
(token_pattern [^\\W_]+, where exp's words tokenizer takes
\\p{L}\\p{M}\\p{Nd}), and at most 19,998 tokens, the most frequent
(max_features; exp's max_tokens 20000 counts its 2 reserved ids). Reading
the file is not timed; fit (tokenizing and counting every text, then
choosing the vocabulary) is, REPEAT times. Prints one JSON line:
{"rows": …, "vocabulary": …, "seconds": [...], "best": …, "sklearn": "1.2.1"}.

    /usr/bin/python3 internal/text/testdata/countvectorizer_bench.py FILE [REPEAT]
"""
import json
import sys
import time

import sklearn
from sklearn.feature_extraction.text import CountVectorizer


def main(path, repeat):
    with open(path, encoding="utf-8") as f:
        texts = f.read().split("\n")
    if texts and texts[-1] == "":
        texts.pop()
    seconds = []
    for _ in range(repeat):
        vec = CountVectorizer(lowercase=True, token_pattern=r"[^\W_]+", max_features=19998)
        start = time.perf_counter()
        vec.fit(texts)
        seconds.append(time.perf_counter() - start)
    print(json.dumps({"rows": len(texts), "vocabulary": len(vec.vocabulary_),
                      "seconds": seconds, "best": min(seconds),
                      "sklearn": sklearn.__version__}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 3)
