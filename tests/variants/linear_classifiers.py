"""Buggy and correct versions of the graded functions of ``linear_classifiers.ipynb``.

Variants that differ from the reference solution by a line or two are written as edits of
it (``_e``, see :func:`tests.variants.variant.edit`). The ``train_model``, ``ImageLinearClassifier``
and ``MLPClassifier`` ones are one textual change (``_edit``) to a complete, correct version
in the seed notebook's style, so each reads like a student's cell with one mistake in it.
"""

from __future__ import annotations

import textwrap

from tests.variants.variant import Variant, edit

NB = "linear_classifiers"


def _v(cell: str, name: str, correct: bool, code: str, tests: tuple[str, ...] = ()) -> Variant:
    return Variant(NB, cell, name, correct, code, tests)


def _e(cell: str, name: str, correct: bool, *edits: tuple[str, str], tests: tuple[str, ...] = ()) -> Variant:
    return edit(NB, cell, name, correct, *edits, tests=tests)


def _edit(base: str, old: str, new: str) -> str:
    """``base`` with one change: a substring of one line, or a block of whole lines.

    A one-line ``old`` and ``new`` replace a substring that must occur exactly once.
    Otherwise ``old`` names whole lines (indentation relative to its first line), found
    at any indentation in ``base``; ``new`` is re-indented to match.
    """
    base = textwrap.dedent(base).strip("\n")
    old_lines = textwrap.dedent(old).strip("\n").splitlines()
    new_lines = textwrap.dedent(new).strip("\n").splitlines()
    if len(old_lines) == 1 and len(new_lines) == 1:
        if base.count(old_lines[0]) != 1:
            raise ValueError(f"variant edit: {old_lines[0]!r} found {base.count(old_lines[0])} times")
        return base.replace(old_lines[0], new_lines[0])
    lines = base.splitlines()
    lead = len(old_lines[0]) - len(old_lines[0].lstrip())
    hits = []
    for i in range(len(lines) - len(old_lines) + 1):
        indent = len(lines[i]) - len(lines[i].lstrip()) - lead
        if indent < 0:
            continue
        pad = " " * indent
        if all(lines[i + k] == (pad + o if o.strip() else lines[i + k] if not lines[i + k].strip() else None)
               for k, o in enumerate(old_lines)):
            hits.append((i, pad))
    if len(hits) != 1:
        raise ValueError(f"variant edit: block {old_lines[0]!r}... found {len(hits)} times")
    i, pad = hits[0]
    return "\n".join(lines[:i] + [pad + n if n.strip() else "" for n in new_lines] + lines[i + len(old_lines):])


# --------------------------------------------------------------------------- numpy part

BIAS, INIT, LIN = "add_bias_solution", "init_solution", "linear_prediction_solution"
ACT, LOSS = "activations_solution", "losses_solution"
GD, SGD, TRAIN_MODEL = "gd_step_solution", "sgd_step_solution", "train_model_solution"

NUMPY_VARIANTS = [
    # add_bias_term
    _v(BIAS, "hstack_ones_first", True, """
        def add_bias_term(X):
            return np.hstack((np.ones((len(X), 1)), X))
    """),
    _v(BIAS, "np_insert", True, """
        def add_bias_term(X):
            return np.insert(np.asarray(X, dtype=float), 0, 1.0, axis=1)
    """),
    _e(BIAS, "ones_appended_at_end", False, ("[np.ones((X.shape[0], 1)), X]", "[X, np.ones((X.shape[0], 1))]")),
    _e(BIAS, "zeros_column", False, ("np.ones(", "np.zeros(")),
    _e(BIAS, "ones_row_instead_of_column", False, ("np.hstack([np.ones((X.shape[0], 1)), X])",
                                                   "np.vstack([np.ones((1, X.shape[1])), X])")),
    _v(BIAS, "overwrites_first_feature", False, """
        def add_bias_term(X):
            X[:, 0] = 1.0
            return X
    """),
    # initialize_parameters
    _v(INIT, "default_rng_normal", True, """
        def initialize_parameters(X, y, multiclass):
            rng = np.random.default_rng()
            cols = y.shape[1] if multiclass else 1
            return rng.normal(0.0, 0.01, size=(X.shape[1], cols))
    """),
    _v(INIT, "seed_branches", True, """
        def initialize_parameters(X, y, multiclass):
            n_features = X.shape[1]
            if multiclass:
                n_classes = y.shape[1]
                theta = np.random.randn(n_features, n_classes) * 0.01
            else:
                theta = np.random.randn(n_features, 1) * 0.01
            return theta
    """),
    _e(INIT, "zeros", False, ("0.01 * np.random.randn(X.shape[1], n_outputs)", "np.zeros((X.shape[1], n_outputs))")),
    _e(INIT, "unit_std", False, ("0.01 * ", "")),
    _e(INIT, "classes_by_features", False, ("randn(X.shape[1], n_outputs)", "randn(n_outputs, X.shape[1])")),
    _v(INIT, "binary_1d", False, """
        def initialize_parameters(X, y, multiclass):
            if multiclass:
                return 0.01 * np.random.randn(X.shape[1], y.shape[1])
            return 0.01 * np.random.randn(X.shape[1])
    """),
    _e(INIT, "uniform_0_1", False, ("np.random.randn", "np.random.rand")),
    # linear_prediction
    _v(LIN, "np_dot", True, """
        def linear_prediction(X, theta):
            return np.dot(X, theta)
    """),
    _v(LIN, "einsum", True, """
        def linear_prediction(X, theta):
            return np.einsum("mn,nc->mc", X, theta)
    """),
    _e(LIN, "transposed_output", False, ("return X @ theta", "return theta.T @ X.T")),
    _e(LIN, "bias_added_twice", False, ("return X @ theta", "return X @ theta + theta[0]")),
    _v(LIN, "elementwise_row_sum", False, """
        def linear_prediction(X, theta):
            return np.sum(X * theta[:, 0], axis=1, keepdims=True) * np.ones((1, theta.shape[1]))
    """),
    # sigmoid
    _v(ACT, "sigmoid_expit", True, """
        def sigmoid(z):
            from scipy.special import expit
            return expit(np.asarray(z, dtype=float))
    """, ("test_sigmoid",)),
    _v(ACT, "sigmoid_logaddexp", True, """
        def sigmoid(z):
            return np.exp(-np.logaddexp(0.0, -np.asarray(z, dtype=float)))
    """, ("test_sigmoid",)),
    _v(ACT, "sigmoid_masked", True, """
        def sigmoid(z):
            z = np.asarray(z, dtype=float)
            out = np.empty_like(z)
            pos = z >= 0
            out[pos] = 1 / (1 + np.exp(-z[pos]))
            ez = np.exp(z[~pos])
            out[~pos] = ez / (1 + ez)
            return out
    """, ("test_sigmoid",)),
    _v(ACT, "sigmoid_naive_overflows", False, """
        def sigmoid(z):
            return 1 / (1 + np.exp(-z))
    """, ("test_sigmoid",)),
    _v(ACT, "sigmoid_exp_over_one_plus_exp", False, """
        def sigmoid(z):
            return np.exp(z) / (1 + np.exp(z))
    """, ("test_sigmoid",)),
    _v(ACT, "sigmoid_where_both_branches", False, """
        def sigmoid(z):
            z = np.asarray(z, dtype=float)
            return np.where(z >= 0, 1 / (1 + np.exp(-z)), np.exp(z) / (1 + np.exp(z)))
    """, ("test_sigmoid",)),
    _e(ACT, "sigmoid_clip_20", False, ("np.exp(-np.abs(z))", "np.exp(-np.abs(np.clip(z, -20, 20)))"),
       tests=("test_sigmoid",)),
    _e(ACT, "sigmoid_sign_flipped", False, ("1.0 / (1.0 + e), e / (1.0 + e)", "e / (1.0 + e), 1.0 / (1.0 + e)"),
       tests=("test_sigmoid",)),
    # softmax
    _v(ACT, "softmax_scipy", True, """
        def softmax(z):
            from scipy.special import softmax as sp_softmax
            return sp_softmax(np.asarray(z, dtype=float), axis=1)
    """, ("test_softmax",)),
    _v(ACT, "softmax_logsumexp", True, """
        def softmax(z):
            from scipy.special import logsumexp
            z = np.asarray(z, dtype=float)
            return np.exp(z - logsumexp(z, axis=1, keepdims=True))
    """, ("test_softmax",)),
    _v(ACT, "softmax_row_loop", True, """
        def softmax(z):
            out = np.zeros_like(z, dtype=float)
            for i, row in enumerate(z):
                e = np.exp(row - row.max())
                out[i] = e / e.sum()
            return out
    """, ("test_softmax",)),
    _e(ACT, "softmax_wrong_axis", False, ("np.max(z, axis=1,", "np.max(z, axis=0,"), ("np.sum(e, axis=1,", "np.sum(e, axis=0,"),
       tests=("test_softmax",)),
    _e(ACT, "softmax_no_max_shift", False, ("np.exp(z - np.max(z, axis=1, keepdims=True))", "np.exp(z)"),
       tests=("test_softmax",)),
    _e(ACT, "softmax_global_max", False, ("np.max(z, axis=1, keepdims=True)", "np.max(z)"), tests=("test_softmax",)),
    _v(ACT, "softmax_missing_keepdims_transposes", False, """
        def softmax(z):
            e = np.exp(z.T - np.max(z, axis=1))
            return (e / np.sum(e, axis=0))
    """, ("test_softmax",)),
    # binary_cross_entropy_loss
    _v(LOSS, "bce_mean_eps_1e12", True, """
        def binary_cross_entropy_loss(y_true, y_pred):
            p = np.clip(y_pred, 1e-12, 1 - 1e-12)
            return float(np.mean(-(y_true * np.log(p) + (1 - y_true) * np.log(1 - p))))
    """, ("test_binary_cross_entropy",)),
    _v(LOSS, "bce_loop_eps_1e7", True, """
        def binary_cross_entropy_loss(y_true, y_pred):
            total = 0.0
            for t, p in zip(y_true.ravel(), y_pred.ravel()):
                p = min(max(p, 1e-7), 1 - 1e-7)
                total -= t * np.log(p) + (1 - t) * np.log(1 - p)
            return total / len(y_true)
    """, ("test_binary_cross_entropy",)),
    _e(LOSS, "bce_summed", False, ("np.log(1 - p)) / m)", "np.log(1 - p)))"), tests=("test_binary_cross_entropy",)),
    _e(LOSS, "bce_no_clip", False, ("np.log(p) + (1 - y_true) * np.log(1 - p)",
                                    "np.log(y_pred) + (1 - y_true) * np.log(1 - y_pred)"),
       tests=("test_binary_cross_entropy",)),
    _e(LOSS, "bce_missing_negative_class_term", False, (" + (1 - y_true) * np.log(1 - p)", ""),
       tests=("test_binary_cross_entropy",)),
    _v(LOSS, "bce_clip_too_coarse", False, """
        def binary_cross_entropy_loss(y_true, y_pred):
            p = np.clip(y_pred, 0.05, 0.95)
            return float(-np.mean(y_true * np.log(p) + (1 - y_true) * np.log(1 - p)))
    """, ("test_binary_cross_entropy",)),
    # categorical_cross_entropy_loss
    _v(LOSS, "cce_mean_of_row_sums", True, """
        def categorical_cross_entropy_loss(y_true, y_pred):
            p = np.clip(y_pred, 1e-12, 1.0)
            return float(np.mean(-np.sum(y_true * np.log(p), axis=1)))
    """, ("test_categorical_cross_entropy",)),
    _v(LOSS, "cce_pick_true_class", True, """
        def categorical_cross_entropy_loss(y_true, y_pred):
            idx = np.argmax(y_true, axis=1)
            picked = np.clip(y_pred[np.arange(len(idx)), idx], 1e-15, 1 - 1e-15)
            return float(-np.mean(np.log(picked)))
    """, ("test_categorical_cross_entropy",)),
    _e(LOSS, "cce_mean_over_all_entries", False, ("-np.sum(y_true * np.log(p)) / m)", "-np.mean(y_true * np.log(p)))"),
       tests=("test_categorical_cross_entropy",)),
    _e(LOSS, "cce_summed", False, ("np.sum(y_true * np.log(p)) / m)", "np.sum(y_true * np.log(p)))"),
       tests=("test_categorical_cross_entropy",)),
    _e(LOSS, "cce_no_clip", False, ("y_true * np.log(p)) / m", "y_true * np.log(y_pred)) / m"),
       tests=("test_categorical_cross_entropy",)),
    # gradient_descent_step
    _v(GD, "gd_np_dot", True, """
        def gradient_descent_step(X, y, predictions, theta, learning_rate, multiclass):
            m = X.shape[0]
            gradients = (1 / m) * np.dot(X.T, (predictions - y))
            return theta - learning_rate * gradients
    """),
    _v(GD, "gd_sample_loop_average", True, """
        def gradient_descent_step(X, y, predictions, theta, learning_rate, multiclass):
            grad = np.zeros_like(theta, dtype=float)
            for i in range(X.shape[0]):
                grad += np.outer(X[i], predictions[i] - y[i])
            return theta - learning_rate * grad / X.shape[0]
    """),
    _e(GD, "gd_no_one_over_m", False, ("(predictions - y) / m", "(predictions - y)")),
    _e(GD, "gd_plus_instead_of_minus", False, ("theta - learning_rate", "theta + learning_rate")),
    _e(GD, "gd_divides_by_features", False, ("m = X.shape[0]", "m = X.shape[1]")),
    _e(GD, "gd_y_minus_pred", False, ("(predictions - y)", "(y - predictions)")),
    # stochastic_gradient_descent_step
    _v(SGD, "sgd_seed_style", True, """
        def stochastic_gradient_descent_step(X, y, theta, learning_rate, multiclass):
            m = X.shape[0]
            for i in range(m):
                xi = X[i:i+1]
                yi = y[i:i+1]
                prediction = linear_prediction(xi, theta)
                if multiclass:
                    prediction = softmax(prediction)
                else:
                    prediction = sigmoid(prediction)
                gradients = np.dot(xi.T, (prediction - yi))
                theta = theta - learning_rate * gradients
            return theta
    """),
    _v(SGD, "sgd_outer_rows", True, """
        def stochastic_gradient_descent_step(X, y, theta, learning_rate, multiclass):
            theta = theta.copy()
            for xi, yi in zip(X, y):
                z = xi @ theta
                p = softmax(z[None, :])[0] if multiclass else sigmoid(z)
                theta -= learning_rate * np.outer(xi, p - yi)
            return theta
    """),
    _v(SGD, "sgd_one_update_per_pass", False, """
        def stochastic_gradient_descent_step(X, y, theta, learning_rate, multiclass):
            z = linear_prediction(X, theta)
            p = softmax(z) if multiclass else sigmoid(z)
            return theta - learning_rate * X.T @ (p - y)
    """),
    _v(SGD, "sgd_stale_predictions", False, """
        def stochastic_gradient_descent_step(X, y, theta, learning_rate, multiclass):
            z = linear_prediction(X, theta)
            p = softmax(z) if multiclass else sigmoid(z)
            for i in range(X.shape[0]):
                theta = theta - learning_rate * X[i:i+1].T @ (p[i:i+1] - y[i:i+1])
            return theta
    """),
    _e(SGD, "sgd_random_order", False, ("range(X.shape[0])", "np.random.permutation(X.shape[0])")),
    _e(SGD, "sgd_divides_by_m", False, ("(prediction - yi)", "(prediction - yi) / X.shape[0]")),
    _e(SGD, "sgd_always_sigmoid", False, ("softmax(z) if multiclass else sigmoid(z)", "sigmoid(z)")),
]

NUMPY_VARIANTS += [
    # correct versions in other styles (issue 13): any equivalent formula keeps full marks
    _v(BIAS, "column_stack", True, """
        def add_bias_term(X):
            m = X.shape[0]
            return np.column_stack([np.ones(m), X])
    """),
    _v(INIT, "normal_with_scale", True, """
        def initialize_parameters(X, y, multiclass):
            n_out = y.shape[1] if multiclass else 1
            return np.random.normal(loc=0.0, scale=0.01, size=(X.shape[1], n_out))
    """),
    _v(LIN, "matmul", True, """
        def linear_prediction(X, theta):
            return np.matmul(X, theta)
    """),
    _v(ACT, "sigmoid_tanh", True, """
        def sigmoid(z):
            # tanh never overflows: sigma(z) = (1 + tanh(z / 2)) / 2
            return 0.5 * (1.0 + np.tanh(np.asarray(z, dtype=float) / 2.0))
    """, ("test_sigmoid",)),
    _v(ACT, "sigmoid_clip_500", True, """
        def sigmoid(z):
            z = np.clip(np.asarray(z, dtype=float), -500, 500)
            return 1.0 / (1.0 + np.exp(-z))
    """, ("test_sigmoid",)),
    _v(ACT, "softmax_max_indexing", True, """
        def softmax(z):
            shifted = z - z.max(axis=1)[:, None]
            e = np.exp(shifted)
            return e / e.sum(axis=1)[:, None]
    """, ("test_softmax",)),
    _v(LOSS, "bce_eps_added_inside_log", True, """
        def binary_cross_entropy_loss(y_true, y_pred):
            eps = 1e-15
            m = len(y_true)
            total = np.sum(y_true * np.log(y_pred + eps) + (1 - y_true) * np.log(1 - y_pred + eps))
            return float(-total / m)
    """, ("test_binary_cross_entropy",)),
    _v(LOSS, "cce_einsum_rows", True, """
        def categorical_cross_entropy_loss(y_true, y_pred):
            p = np.clip(y_pred, 1e-10, 1 - 1e-10)
            return float(-np.einsum("ij,ij->", y_true, np.log(p)) / y_true.shape[0])
    """, ("test_categorical_cross_entropy",)),
    _v(GD, "gd_einsum_gradient", True, """
        def gradient_descent_step(X, y, predictions, theta, learning_rate, multiclass):
            grad = np.einsum("mi,mc->ic", X, predictions - y) / X.shape[0]
            return theta - learning_rate * grad
    """),
    _v(SGD, "sgd_einsum_gradient", True, """
        def stochastic_gradient_descent_step(X, y, theta, learning_rate, multiclass):
            theta = np.array(theta, dtype=float)
            for i in range(len(X)):
                row = X[i:i + 1]
                scores = linear_prediction(row, theta)
                probs = softmax(scores) if multiclass else sigmoid(scores)
                theta -= learning_rate * np.einsum("mi,mc->ic", row, probs - y[i:i + 1])
            return theta
    """),
]

TRAIN_MODEL_OK = """
    def train_model(X, y, learning_rate=0.01, iterations=1000, batch=True, multiclass=False):
        X = add_bias_term(X)
        theta = initialize_parameters(X, y, multiclass)
        losses = []
        for i in range(iterations):
            if multiclass:
                predictions = softmax(linear_prediction(X, theta))
                loss = categorical_cross_entropy_loss(y, predictions)
            else:
                predictions = sigmoid(linear_prediction(X, theta))
                loss = binary_cross_entropy_loss(y, predictions)
            losses.append(loss)
            if batch:
                theta = gradient_descent_step(X, y, predictions, theta, learning_rate, multiclass)
            else:
                theta = stochastic_gradient_descent_step(X, y, theta, learning_rate, multiclass)
        return theta, losses
"""

TRAIN_MODEL_VARIANTS = [
    _v(TRAIN_MODEL, "seed_style", True, TRAIN_MODEL_OK),
    _v(TRAIN_MODEL, "helper_functions_and_while", True, """
        def train_model(X, y, learning_rate=0.01, iterations=1000, batch=True, multiclass=False):
            Xb = add_bias_term(X)
            activate = softmax if multiclass else sigmoid
            loss_fn = categorical_cross_entropy_loss if multiclass else binary_cross_entropy_loss
            theta = initialize_parameters(Xb, y, multiclass)
            losses, it = [], 0
            while it < iterations:
                probs = activate(linear_prediction(Xb, theta))
                losses.append(float(loss_fn(y, probs)))
                theta = (gradient_descent_step(Xb, y, probs, theta, learning_rate, multiclass) if batch
                         else stochastic_gradient_descent_step(Xb, y, theta, learning_rate, multiclass))
                it += 1
            return theta, losses
    """),
    _v(TRAIN_MODEL, "no_bias_column", False, _edit(TRAIN_MODEL_OK, "X = add_bias_term(X)", "X = np.asarray(X)")),
    _v(TRAIN_MODEL, "batch_flag_ignored", False, _edit(
        TRAIN_MODEL_OK, "if batch:", "if True:")),
    _v(TRAIN_MODEL, "loss_every_tenth_iteration", False, _edit(
        TRAIN_MODEL_OK, "losses.append(loss)", "if i % 10 == 0:\n    losses.append(loss)")),
    _v(TRAIN_MODEL, "always_sigmoid", False, _edit(
        TRAIN_MODEL_OK, "if multiclass:", "if False:")),
    _v(TRAIN_MODEL, "sgd_with_batch_learning_rate_scaled", False, _edit(
        TRAIN_MODEL_OK, "stochastic_gradient_descent_step(X, y, theta, learning_rate, multiclass)",
        "stochastic_gradient_descent_step(X, y, theta, learning_rate / X.shape[0], multiclass)")),
]

# --------------------------------------------------------------------------- torch part

ILC = "image_classifier_solution"
ILC_OK = """
    class ImageLinearClassifier:
        def __init__(self, input_size, n_classes, device=None):
            self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
            self.W = torch.nn.Parameter(torch.randn(n_classes, input_size, device=self.device) * 0.01)
            self.b = torch.nn.Parameter(torch.zeros(n_classes, device=self.device))

        def predict(self, X):
            X = X.to(self.device)
            return X @ self.W.T + self.b

        def compute_loss(self, X, y):
            X = X.to(self.device)
            y = y.to(self.device).long()
            logits = self.predict(X)
            return F.cross_entropy(logits, y)

        def gradient_descent(self, X, y, learning_rate=0.001):
            loss = self.compute_loss(X, y)
            loss.backward()
            with torch.no_grad():
                self.W -= learning_rate * self.W.grad
                self.b -= learning_rate * self.b.grad
                self.W.grad.zero_()
                self.b.grad.zero_()
            return loss.item()
"""

ILC_VARIANTS = [
    _v(ILC, "seed_fixed", True, ILC_OK),
    _v(ILC, "plain_tensors_manual_loss_grad_none", True, """
        class ImageLinearClassifier:
            def __init__(self, input_size, n_classes, device=None):
                if device is None:
                    device = torch.device("cuda") if torch.cuda.is_available() else torch.device("cpu")
                self.device = device
                self.W = (0.001 * torch.randn(n_classes, input_size)).to(device).requires_grad_()
                self.b = torch.zeros(n_classes, device=device, requires_grad=True)

            def predict(self, X):
                return torch.nn.functional.linear(X.to(self.device), self.W, self.b)

            def compute_loss(self, X, y):
                log_p = torch.log_softmax(self.predict(X), dim=1)
                y = y.to(self.device).long()
                return -log_p[torch.arange(len(y), device=log_p.device), y].mean()

            def gradient_descent(self, X, y, learning_rate=0.001):
                loss = self.compute_loss(X, y)
                loss.backward()
                with torch.no_grad():
                    for p in (self.W, self.b):
                        p.sub_(learning_rate * p.grad)
                        p.grad = None
                return float(loss.detach().cpu())
    """),
    _v(ILC, "hard_coded_cuda", False, _edit(
        ILC_OK, 'self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")',
        'self.device = device or "cuda"')),
    _v(ILC, "seed_typo_self_l", False, _edit(
        ILC_OK, "self.b -= learning_rate * self.b.grad",
        "self.b -= learning_rate * self.b.grad\nself.l -= learning_rate * self.l.grad")),
    _v(ILC, "grads_not_zeroed", False, _edit(
        ILC_OK, "self.W.grad.zero_()\nself.b.grad.zero_()", "pass")),
    _v(ILC, "gradient_ascent", False, _edit(
        ILC_OK, "self.W -= learning_rate * self.W.grad\nself.b -= learning_rate * self.b.grad",
        "self.W += learning_rate * self.W.grad\nself.b += learning_rate * self.b.grad")),
    _v(ILC, "bias_forgotten_in_predict", False, _edit(
        ILC_OK, "return X @ self.W.T + self.b", "return X @ self.W.T")),
    _v(ILC, "loss_summed", False, _edit(
        ILC_OK, "return F.cross_entropy(logits, y)", "return F.cross_entropy(logits, y, reduction='sum')")),
    _v(ILC, "update_outside_no_grad", False, _edit(
        ILC_OK, """
            with torch.no_grad():
                self.W -= learning_rate * self.W.grad
                self.b -= learning_rate * self.b.grad
                self.W.grad.zero_()
                self.b.grad.zero_()
        """, """
            self.W = self.W - learning_rate * self.W.grad
            self.b = self.b - learning_rate * self.b.grad
        """)),
    _v(ILC, "returns_tensor_loss", False, _edit(ILC_OK, "return loss.item()", "return loss")),
    _v(ILC, "W_stored_transposed", False, _edit(_edit(
        ILC_OK, "torch.randn(n_classes, input_size, device=self.device)",
        "torch.randn(input_size, n_classes, device=self.device)"),
        "return X @ self.W.T + self.b", "return X @ self.W + self.b")),
]
ILC_VARIANTS += [
    # the device chosen by an if/else over several lines, and a docstring and comments that say "cuda"
    _v(ILC, "multi_line_device_choice_and_docstring", True, """
        class ImageLinearClassifier:
            \"\"\"Linear classifier on flattened images; runs on "cuda" when it can, else on "cpu".\"\"\"

            def __init__(self, input_size, n_classes, device=None):
                if device is None:
                    if torch.cuda.is_available():
                        device = "cuda"   # the GPU
                    else:
                        device = "cpu"
                self.device = torch.device(device)
                self.W = torch.nn.Parameter(torch.randn(n_classes, input_size, device=self.device) * 0.01)
                self.b = torch.nn.Parameter(torch.zeros(n_classes, device=self.device))

            def predict(self, X):
                \"\"\"Logits; X is moved to self.device (e.g. "cuda") first.\"\"\"
                return X.to(self.device) @ self.W.T + self.b

            def compute_loss(self, X, y):
                return F.cross_entropy(self.predict(X), y.to(self.device))

            def gradient_descent(self, X, y, learning_rate=0.001):
                loss = self.compute_loss(X, y)
                loss.backward()
                with torch.no_grad():
                    self.W -= learning_rate * self.W.grad
                    self.b -= learning_rate * self.b.grad
                self.W.grad.zero_()
                self.b.grad.zero_()
                return loss.item()
    """),
    # parameters kept in an nn.Linear, W and b as names for its weight and bias; availability in a name
    _v(ILC, "nn_linear_parameters_use_gpu_flag", True, """
        class ImageLinearClassifier:
            def __init__(self, input_size, n_classes, device=None):
                use_gpu = torch.cuda.is_available()
                self.device = torch.device(device if device is not None else ("cuda" if use_gpu else "cpu"))
                self.layer = torch.nn.Linear(input_size, n_classes).to(self.device)
                self.W, self.b = self.layer.weight, self.layer.bias
                with torch.no_grad():
                    torch.nn.init.normal_(self.W, std=0.01)
                    torch.nn.init.zeros_(self.b)

            def predict(self, X):
                return self.layer(X.to(self.device))

            def compute_loss(self, X, y):
                log_probs = torch.log_softmax(self.predict(X), dim=1)
                return F.nll_loss(log_probs, y.to(self.device).long())

            def gradient_descent(self, X, y, learning_rate=0.001):
                self.layer.zero_grad()
                loss = self.compute_loss(X, y)
                loss.backward()
                with torch.no_grad():
                    for p in (self.W, self.b):
                        p.add_(p.grad, alpha=-learning_rate)
                self.layer.zero_grad()
                return float(loss)
    """),
    _v(ILC, "default_cuda_without_availability_check", False, _edit(
        ILC_OK, 'self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")',
        'self.device = device if device is not None else torch.device("cuda:0")')),
    _v(ILC, "loss_from_probabilities_twice_softmaxed", False, _edit(
        ILC_OK, "return F.cross_entropy(logits, y)", "return F.cross_entropy(torch.softmax(logits, dim=1), y)")),
]
# A tensor created on the CPU while the rest lives on CUDA, or a device argument that is
# ignored, only shows on a machine with CUDA: such variants are not in this catalogue,
# which is judged on CPU-only machines too; test_image_classifier_gpu catches them there.

TRAIN = "train_solution"
TRAIN_VARIANTS = [
    _v(TRAIN, "while_loop_keyword_learning_rate", True, """
        def train(classifier, X_train, y_train, epochs, learning_rate):
            history, epoch = [], 0
            while epoch < epochs:
                history.append(classifier.gradient_descent(X_train, y_train, learning_rate=learning_rate))
                epoch += 1
            return history
    """),
    _v(TRAIN, "seed_style", True, """
        def train(classifier, X_train, y_train, epochs, learning_rate):
            losses = []
            for i in range(epochs):
                loss = classifier.gradient_descent(X_train, y_train, learning_rate)
                losses.append(loss)
                print(f"Epoch {i+1}, Loss: {loss:.4f}")
            return losses
    """),
    _v(TRAIN, "comprehension", True, """
        def train(classifier, X_train, y_train, epochs, learning_rate):
            return [classifier.gradient_descent(X_train, y_train, learning_rate) for _ in range(epochs)]
    """),
    _e(TRAIN, "default_learning_rate_used", False, ("(X_train, y_train, learning_rate)", "(X_train, y_train)")),
    _e(TRAIN, "one_epoch_short", False, ("range(epochs)", "range(1, epochs)")),
    _e(TRAIN, "returns_last_loss_only", False, ("return losses", "return losses[-1:]")),
    _e(TRAIN, "losses_reversed", False, ("losses.append(", "losses.insert(0, ")),
]

# --------------------------------------------------------------------------- MLP

MLP = "mlp_solution"
MLP_OK = """
    class MLPClassifier:
        def __init__(self, input_size, hidden_size, output_size):
            self.W1 = np.random.randn(hidden_size, input_size) * 0.1
            self.b1 = np.zeros((hidden_size, 1))
            self.W2 = np.random.randn(output_size, hidden_size) * 0.1
            self.b2 = np.zeros((output_size, 1))

        def relu(self, z):
            return np.maximum(0, z)

        def relu_derivative(self, z):
            return np.where(z > 0, 1, 0)

        def softmax(self, z):
            exp_z = np.exp(z - np.max(z, axis=0, keepdims=True))
            return exp_z / np.sum(exp_z, axis=0, keepdims=True)

        def forward(self, X):
            self.Z1 = np.dot(self.W1, X) + self.b1
            self.A1 = self.relu(self.Z1)
            self.Z2 = np.dot(self.W2, self.A1) + self.b2
            self.A2 = self.softmax(self.Z2)
            return self.A2

        def compute_loss(self, A2, y):
            m = y.shape[0]
            log_likelihood = -np.log(A2[y, range(m)])
            return np.sum(log_likelihood) / m

        def backward(self, X, y, learning_rate=0.01):
            m = X.shape[1]
            dZ2 = self.A2.copy()
            dZ2[y, range(m)] -= 1
            dZ2 /= m
            dW2 = np.dot(dZ2, self.A1.T)
            db2 = np.sum(dZ2, axis=1, keepdims=True)
            dA1 = np.dot(self.W2.T, dZ2)
            dZ1 = dA1 * self.relu_derivative(self.Z1)
            dW1 = np.dot(dZ1, X.T)
            db1 = np.sum(dZ1, axis=1, keepdims=True)
            self.W1 -= learning_rate * dW1
            self.b1 -= learning_rate * db1
            self.W2 -= learning_rate * dW2
            self.b2 -= learning_rate * db2

        def train(self, X_train, y_train, epochs=100, learning_rate=0.01):
            losses = []
            for i in range(epochs):
                A2 = self.forward(X_train)
                loss = self.compute_loss(A2, y_train)
                losses.append(loss)
                self.backward(X_train, y_train, learning_rate)
            return losses
"""

MLP_VARIANTS = [
    _v(MLP, "seed_with_copy", True, MLP_OK),
    _v(MLP, "onehot_logsumexp", True, _edit(_edit(_edit(
        MLP_OK, """
            exp_z = np.exp(z - np.max(z, axis=0, keepdims=True))
            return exp_z / np.sum(exp_z, axis=0, keepdims=True)
        """, """
            from scipy.special import logsumexp
            return np.exp(z - logsumexp(z, axis=0, keepdims=True))
        """), """
            dZ2 = self.A2.copy()
            dZ2[y, range(m)] -= 1
            dZ2 /= m
        """, """
            onehot = np.eye(self.A2.shape[0])[:, y]
            dZ2 = (self.A2 - onehot) / m
        """), """
            log_likelihood = -np.log(A2[y, range(m)])
            return np.sum(log_likelihood) / m
        """, """
            return float(-np.mean(np.log(np.take_along_axis(A2, y[None, :], axis=0))))
        """)),
    _v(MLP, "seed_backward_corrupts_A2", False, _edit(MLP_OK, "dZ2 = self.A2.copy()", "dZ2 = self.A2")),
    _v(MLP, "softmax_wrong_axis", False, _edit(
        MLP_OK, """
            exp_z = np.exp(z - np.max(z, axis=0, keepdims=True))
            return exp_z / np.sum(exp_z, axis=0, keepdims=True)
        """, """
            exp_z = np.exp(z - np.max(z, axis=1, keepdims=True))
            return exp_z / np.sum(exp_z, axis=1, keepdims=True)
        """)),
    _v(MLP, "softmax_no_max_shift", False, _edit(
        MLP_OK, "exp_z = np.exp(z - np.max(z, axis=0, keepdims=True))", "exp_z = np.exp(z)")),
    _v(MLP, "backward_without_one_over_m", False, _edit(MLP_OK, "dZ2 /= m", "pass")),
    _v(MLP, "update_with_plus", False, _edit(
        MLP_OK, "self.W1 -= learning_rate * dW1", "self.W1 += learning_rate * dW1")),
    _v(MLP, "relu_derivative_returns_relu", False, _edit(
        MLP_OK, "return np.where(z > 0, 1, 0)", "return np.where(z > 0, z, 0)")),
    _v(MLP, "loss_summed", False, _edit(
        MLP_OK, "return np.sum(log_likelihood) / m", "return np.sum(log_likelihood)")),
    _v(MLP, "bias_gradient_over_wrong_axis", False, _edit(
        MLP_OK, "db1 = np.sum(dZ1, axis=1, keepdims=True)", "db1 = np.sum(dZ1)")),
    _v(MLP, "train_returns_after_first_epoch", False, _edit(
        MLP_OK, "losses.append(loss)\nself.backward(X_train, y_train, learning_rate)",
        "losses.append(loss)\nself.backward(X_train, y_train, learning_rate)\nreturn losses")),
]

MLP_VARIANTS += [
    # einsum for every product, gradients collected first and applied at the end, He initialisation
    _v(MLP, "einsum_gradients_he_init", True, """
        class MLPClassifier:
            def __init__(self, input_size, hidden_size, output_size):
                self.W1 = np.random.randn(hidden_size, input_size) * np.sqrt(2.0 / input_size)
                self.b1 = np.zeros((hidden_size, 1))
                self.W2 = np.random.randn(output_size, hidden_size) * np.sqrt(2.0 / hidden_size)
                self.b2 = np.zeros((output_size, 1))

            def relu(self, z):
                return z * (z > 0)

            def relu_derivative(self, z):
                return (z > 0) * 1.0

            def softmax(self, z):
                shifted = z - z.max(axis=0)
                e = np.exp(shifted)
                return e / e.sum(axis=0)

            def forward(self, X):
                self.Z1 = np.einsum("hi,ib->hb", self.W1, X) + self.b1
                self.A1 = self.relu(self.Z1)
                self.Z2 = np.einsum("oh,hb->ob", self.W2, self.A1) + self.b2
                self.A2 = self.softmax(self.Z2)
                return self.A2

            def compute_loss(self, A2, y):
                picked = A2[y, np.arange(len(y))]
                return float(-np.log(picked).mean())

            def backward(self, X, y, learning_rate=0.01):
                m = X.shape[1]
                Y = np.zeros_like(self.A2)
                Y[y, np.arange(m)] = 1.0
                dZ2 = (self.A2 - Y) / m
                grads = {
                    "W2": np.einsum("ob,hb->oh", dZ2, self.A1),
                    "b2": dZ2.sum(axis=1, keepdims=True),
                }
                dZ1 = np.einsum("oh,ob->hb", self.W2, dZ2) * self.relu_derivative(self.Z1)
                grads["W1"] = np.einsum("hb,ib->hi", dZ1, X)
                grads["b1"] = dZ1.sum(axis=1, keepdims=True)
                for name, g in grads.items():
                    setattr(self, name, getattr(self, name) - learning_rate * g)

            def train(self, X_train, y_train, epochs=100, learning_rate=0.01):
                losses = []
                for _ in range(epochs):
                    losses.append(self.compute_loss(self.forward(X_train), y_train))
                    self.backward(X_train, y_train, learning_rate)
                return losses
    """),
]

VARIANTS = NUMPY_VARIANTS + TRAIN_MODEL_VARIANTS + ILC_VARIANTS + TRAIN_VARIANTS + MLP_VARIANTS
