#!/usr/bin/python3
"""The scikit-learn figures that MlpScikitLearnReferenceTests asserts, recomputed.

Run with Debian's python3-sklearn (scikit-learn 1.2.1 when recorded): /usr/bin/python3 scikit_learn_mlp_reference.py
Each case trains scikit-learn's MLPRegressor / MLPClassifier from the same initial weights the C# test builds (the
formulas below), full batch, no shuffling, in float32, and prints what the test compares: the loss curve, the epoch at
which training stopped (n_iter_), the final learning rate and the final weights.
"""
import json
import math
import warnings

import numpy as np
import sklearn
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPRegressor

warnings.simplefilter("ignore")

# 12 rows, 2 features, a smooth non-linear target: x = (sin(i), cos(1.7 i)), y = x0 - 0.5 x1 + 0.3 x0 x1.
X = np.array([[math.sin(i), math.cos(1.7 * i)] for i in range(12)], dtype=np.float32)
Y = np.array([x0 - 0.5 * x1 + 0.3 * x0 * x1 for x0, x1 in X], dtype=np.float32)


def initial(shape, layer, bias):
    """W[l][i, j] = 0.4 sin(1 + i + 2j + 5l); b[l][j] = 0.1 cos(1 + j + 3l): distinct, deterministic, no RNG."""
    if bias:
        return np.array([0.1 * math.cos(1 + j + 3 * layer) for j in range(shape)], dtype=np.float32)
    return np.array([[0.4 * math.sin(1 + i + 2 * j + 5 * layer) for j in range(shape[1])] for i in range(shape[0])], dtype=np.float32)


class FromFormula(MLPRegressor):
    def _initialize(self, y, layer_units, dtype):
        super()._initialize(y, layer_units, dtype)
        self.coefs_ = [initial((layer_units[l], layer_units[l + 1]), l, False) for l in range(len(layer_units) - 1)]
        self.intercepts_ = [initial(layer_units[l + 1], l, True) for l in range(len(layer_units) - 1)]


def run(name, **kw):
    params = dict(hidden_layer_sizes=(3,), activation="tanh", solver="sgd", batch_size=12, shuffle=False, momentum=0.0,
                  nesterovs_momentum=False, alpha=1e-3 * 12, random_state=0)
    params.update(kw)
    m = FromFormula(**params).fit(X, Y)
    print(json.dumps({"case": name, "n_iter": m.n_iter_, "learning_rate": m._optimizer.learning_rate,
                      "loss_curve": [float(v) for v in m.loss_curve_],
                      "weights": [[float(v) for v in np.ravel(c)] for c in m.coefs_],
                      "biases": [[float(v) for v in b] for b in m.intercepts_]}))


print(json.dumps({"sklearn": sklearn.__version__, "numpy": np.__version__}))
# SGD, inverse scaling: eta_e = 0.5 / (12 (e - 1) + 1)^0.5.
run("invscaling", learning_rate="invscaling", learning_rate_init=0.5, power_t=0.5, max_iter=20, tol=0.0, n_iter_no_change=10 ** 9)
# Nesterov momentum, constant rate, stopped by the plateau test on the training loss (tol 1e-4, 10 epochs).
run("plateau", learning_rate="constant", learning_rate_init=0.05, momentum=0.9, nesterovs_momentum=True, max_iter=1000)
# SGD, adaptive: divides eta by 5 at each plateau (tol 1e-3, 3 epochs) and stops once eta <= 1e-6.
run("adaptive", learning_rate="adaptive", learning_rate_init=0.2, max_iter=1000, tol=1e-3, n_iter_no_change=3)

# Stratified validation split sizes (class counts held out), as train_test_split(stratify=y) allocates them.
for counts, fraction in [([90, 10], 0.1), ([47, 57, 38], 0.1), ([5, 5, 5], 0.2), ([2, 3, 95], 0.15)]:
    y = np.repeat(np.arange(len(counts)), counts)
    _, _, _, y_val = train_test_split(np.zeros((len(y), 1)), y, test_size=fraction, random_state=0, stratify=y)
    print(json.dumps({"case": "stratified", "counts": counts, "fraction": fraction,
                      "held_out": np.bincount(y_val, minlength=len(counts)).tolist()}))
