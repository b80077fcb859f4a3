#!/usr/bin/python3
"""The classic text-classification baseline on a fixed train/validation split.

scikit-learn's TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True) and
LogisticRegression(C=10, max_iter=2000), with every other setting at its
default, fitted on the training file and scored on the validation file.
Nothing is tuned. Run from the repository root with Debian's python3-sklearn:

    /usr/bin/python3 internal/text/testdata/tfidf_baseline.py \
        configs/data/godoc-train.csv configs/data/godoc-val.csv

Both files have the columns text,label.
"""
import csv
import sys

import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression


def read(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return [r["text"] for r in rows], [r["label"] for r in rows]


def main(train_path, val_path):
    xtr, ytr = read(train_path)
    xva, yva = read(val_path)
    vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
    clf = LogisticRegression(C=10, max_iter=2000)
    clf.fit(vec.fit_transform(xtr), ytr)
    acc = clf.score(vec.transform(xva), yva)
    print(f"scikit-learn {sklearn.__version__}: {len(xtr)} training rows, "
          f"{len(xva)} validation rows, {len(set(ytr))} classes")
    print(f"tfidf(1,2)+logreg(C=10) validation accuracy: {acc:.4f}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: tfidf_baseline.py TRAIN.csv VAL.csv")
    main(sys.argv[1], sys.argv[2])
