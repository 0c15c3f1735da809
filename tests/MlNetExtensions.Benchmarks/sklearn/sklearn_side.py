#!/usr/bin/python3
"""scikit-learn's side of the side-by-side comparison.

Run by the benchmark project (`-- compare sklearn`), which writes the data sets as .npy files and a jobs.json describing
what to fit; this script fits each job with scikit-learn, times the fit alone, and prints one JSON object per job on
stdout. It uses Debian's python3-sklearn (install: apt-get install python3-sklearn libopenblas0-pthread).
"""
import json
import os
import sys
import time


def make_mlp(cls, p, folder, np):
    """An MLPClassifier/MLPRegressor for a job. By default the stall test is off (tol 0, n_iter_no_change huge) so that
    both sides run exactly `epochs` epochs; `stall_test: true` keeps scikit-learn's defaults (tol 1e-4, 10 epochs).
    `init_from: PREFIX` starts from the weights in PREFIX.W{l}.npy / PREFIX.b{l}.npy (written by the other side);
    `save_init: PREFIX` writes scikit-learn's own initial weights there before training."""
    stall = p.get("stall_test", False)
    init_from, save_init = p.get("init_from"), p.get("save_init")

    class Mlp(cls):
        def _initialize(self, y, layer_units, dtype):
            super()._initialize(y, layer_units, dtype)
            if save_init:
                for l, (w, b) in enumerate(zip(self.coefs_, self.intercepts_)):
                    np.save(os.path.join(folder, f"{save_init}.W{l}.npy"), w.astype(np.float32))
                    np.save(os.path.join(folder, f"{save_init}.b{l}.npy"), b.astype(np.float32))
            if init_from:
                self.coefs_ = [np.load(os.path.join(folder, f"{init_from}.W{l}.npy")).astype(dtype) for l in range(len(self.coefs_))]
                self.intercepts_ = [np.load(os.path.join(folder, f"{init_from}.b{l}.npy")).astype(dtype) for l in range(len(self.intercepts_))]

    return Mlp(hidden_layer_sizes=tuple(p["hidden"]), activation=p.get("activation", "relu"), solver=p.get("solver", "adam"),
               learning_rate_init=p.get("learning_rate", 1e-3), batch_size=p.get("batch_size", 200),
               learning_rate=p.get("schedule", "constant"), max_iter=p["epochs"], alpha=p.get("alpha", 1e-4),
               random_state=p.get("seed", 0), n_iter_no_change=10 if stall else 10 ** 9, tol=1e-4 if stall else 0.0)


def main():
    try:
        import numpy as np
        import sklearn
        from sklearn import linear_model, metrics, neural_network
    except ImportError as e:
        print(json.dumps({"error": f"scikit-learn is not importable by {sys.executable}: {e}. "
                                   "Install it with: apt-get install python3-sklearn libopenblas0-pthread"}))
        return 3

    folder = sys.argv[1]
    with open(os.path.join(folder, "jobs.json")) as f:
        jobs = json.load(f)

    blas = "unknown"
    try:
        from threadpoolctl import threadpool_info
        import scipy.linalg  # noqa: F401  (loads the BLAS numpy and scipy use)
        infos = [i for i in threadpool_info() if i.get("user_api") == "blas"]
        blas = ", ".join(f"{i.get('internal_api')} {i.get('version')} ({i.get('architecture', '?')}, {i.get('num_threads')} threads)"
                         for i in infos) or "reference BLAS (no optimised BLAS found)"
    except Exception as e:  # threadpoolctl missing: say so rather than fail
        blas = f"unknown ({e})"
    print(json.dumps({"environment": {"python": sys.version.split()[0], "sklearn": sklearn.__version__,
                                      "numpy": np.__version__, "blas": blas}}), flush=True)

    def load(name):
        return np.load(os.path.join(folder, name))

    for job in jobs:
        x, y = load(job["train_x"]), load(job["train_y"])
        tx, ty = load(job["test_x"]), load(job["test_y"])
        kind = job["model"]
        p = job.get("params", {})
        if kind == "LinearRegression":
            model = linear_model.LinearRegression()
        elif kind == "Ridge":
            model = linear_model.Ridge(alpha=p["alpha"])
        elif kind == "LogisticRegression":
            model = linear_model.LogisticRegression(C=p["C"], solver=p.get("solver", "lbfgs"), tol=p.get("tol", 1e-6),
                                                    max_iter=p.get("max_iter", 1000))
        elif kind == "MLPClassifier" or kind == "MLPRegressor":
            model = make_mlp(neural_network.MLPClassifier if kind == "MLPClassifier" else neural_network.MLPRegressor, p, folder, np)
        else:
            raise ValueError(f"unknown model {kind}")
        if kind == "LogisticRegression" or kind == "MLPClassifier":
            y, ty = y.astype(int), ty.astype(int)
        start = time.perf_counter()
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(x, y)
        seconds = time.perf_counter() - start
        result = {"name": job["name"], "seconds": seconds}
        if kind in ("LinearRegression", "Ridge", "MLPRegressor"):
            result["metric"] = float(metrics.r2_score(ty, model.predict(tx)))
            result["train_metric"] = float(metrics.r2_score(y, model.predict(x)))
        else:
            result["metric"] = float(metrics.accuracy_score(ty, model.predict(tx)))
            result["train_metric"] = float(metrics.accuracy_score(y, model.predict(x)))
            if len(np.unique(y)) == 2:
                result["auc"] = float(metrics.roc_auc_score(ty, model.predict_proba(tx)[:, 1]))
        if hasattr(model, "loss_curve_"):
            result["loss_curve"] = [float(v) for v in model.loss_curve_]
            result["epochs"] = int(model.n_iter_)
        if hasattr(model, "coef_"):
            result["coef"] = [float(c) for c in np.ravel(model.coef_)]
            result["intercept"] = float(np.ravel(model.intercept_)[0])
        print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
