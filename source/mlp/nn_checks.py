"""Checks you can run on your own layers and networks (mlp assignment).

The idea: a derivative can be estimated without any calculus by nudging one input a
little up and a little down and watching the output,

    df/dx  ~  (f(x + h) - f(x - h)) / (2 h),

one entry at a time (the *centred difference*). It is far too slow for training, but
perfect for checking a backward pass written by hand. In float64 with h = 1e-6 the
relative error (``rel_error_norm``) between a correct analytic gradient and this estimate
is usually below 1e-8; an error above 1e-4 almost always means a bug.

Every ``check_*`` function prints what it checked and raises ``AssertionError`` with an
explanation at the first problem it finds.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

TOLERANCE = 1e-6


def rel_error(x, y, eps: float = 1e-12) -> float:
    """Largest elementwise relative error ``|x - y| / max(|x| + |y|, eps)``."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    assert x.shape == y.shape, f"cannot compare arrays of shapes {x.shape} and {y.shape}"
    if x.size == 0:
        return 0.0
    return float(np.max(np.abs(x - y) / np.maximum(eps, np.abs(x) + np.abs(y))))


def rel_error_norm(x, y, eps: float = 1e-12) -> float:
    """Relative error of whole arrays, ``||x - y|| / max(||x|| + ||y||, eps)``.

    Used by the checks below: a centred difference is only accurate to about 1e-10 in absolute
    terms, so entries that are (nearly) zero in both arrays would make ``rel_error`` look bad.
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    assert x.shape == y.shape, f"cannot compare arrays of shapes {x.shape} and {y.shape}"
    if x.size == 0:
        return 0.0
    return float(np.linalg.norm(x - y) / max(eps, float(np.linalg.norm(x) + np.linalg.norm(y))))


def numerical_gradient(f: Callable[[], float], x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Centred-difference gradient of the number ``f()`` with respect to the array ``x``.

    ``x`` is changed in place one entry at a time (and put back), so ``f`` must read it.
    """
    grad = np.zeros(x.shape, dtype=np.float64)
    for i in np.ndindex(x.shape):
        saved = x[i]
        x[i] = saved + h
        up = float(f())
        x[i] = saved - h
        down = float(f())
        x[i] = saved
        grad[i] = (up - down) / (2 * h)
    return grad


def numerical_gradient_array(f: Callable[[], np.ndarray], x: np.ndarray, d_out: np.ndarray,
                             h: float = 1e-6) -> np.ndarray:
    """Gradient of ``sum(f() * d_out)`` with respect to ``x``.

    This is what a layer's ``backward(d_out)`` must return for its input ``x``.
    """
    return numerical_gradient(lambda: float(np.sum(np.asarray(f()) * d_out)), x, h)


def _expect(cond: bool, message: str) -> None:
    if not cond:
        raise AssertionError(message)


def _shape(name: str, value, shape) -> None:
    got = getattr(value, "shape", None)
    _expect(got == tuple(shape), f"{name} should have shape {tuple(shape)}, got {got}")


def _grad(name: str, analytic, numeric) -> float:
    err = rel_error_norm(analytic, numeric)
    _expect(err < TOLERANCE,
            f"{name} differs from the numerical gradient: relative error {err:.2e} "
            f"(should be below {TOLERANCE:g}).\nyours:\n{np.asarray(analytic)}\nnumerical:\n{numeric}")
    return err


def _away_from_zero(rng, shape, low=0.1):
    """Random values whose magnitude is at least ``low`` (keeps ReLU kinks out of the way)."""
    return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(low, 2.0, size=shape)


# ---------------------------------------------------------------- modular layers
def check_affine(layer) -> None:
    """Check an ``Affine`` layer object: ``forward(inputs, weight, bias)``, ``backward(d_out)``."""
    rng = np.random.default_rng(0)
    x = np.array([[1.0, 2.0], [3.0, -1.0]])
    w = np.array([[1.0, 0.0, 2.0], [-1.0, 1.0, 0.5]])
    b = np.array([0.5, -1.0, 0.0])
    out = layer.forward(x, w, b)
    _shape("forward output", out, (2, 3))
    expected = np.array([[-0.5, 1.0, 3.0], [4.5, -2.0, 5.5]])
    _expect(np.allclose(out, expected), f"forward on a small example: expected\n{expected}\ngot\n{out}")

    N, D, H = 4, 5, 3
    x, w, b = rng.normal(size=(N, D)), rng.normal(size=(D, H)), rng.normal(size=H)
    d_out = rng.normal(size=(N, H))
    layer.forward(x, w, b)
    grads = layer.backward(d_out)
    _expect(isinstance(grads, tuple) and len(grads) == 3,
            "backward should return a tuple (d_inputs, d_weight, d_bias)")
    dx, dw, db = grads
    _shape("d_inputs", dx, x.shape)
    _shape("d_weight", dw, w.shape)
    _shape("d_bias", db, b.shape)
    errs = [
        _grad("d_inputs", dx, numerical_gradient_array(lambda: layer.forward(x, w, b), x, d_out)),
        _grad("d_weight", dw, numerical_gradient_array(lambda: layer.forward(x, w, b), w, d_out)),
        _grad("d_bias", db, numerical_gradient_array(lambda: layer.forward(x, w, b), b, d_out)),
    ]
    print(f"Affine: forward and all three gradients correct (largest relative error {max(errs):.1e}).")


def check_relu(layer) -> None:
    """Check a ``ReLU`` layer object: ``forward(inputs)``, ``backward(d_out)``."""
    rng = np.random.default_rng(1)
    x = np.array([[-2.0, 0.0, 3.0], [0.5, -0.1, 1.0]])
    out = layer.forward(x)
    expected = np.maximum(x, 0)
    _shape("forward output", out, x.shape)
    _expect(np.array_equal(out, expected), f"forward on a small example: expected\n{expected}\ngot\n{out}")
    d = layer.backward(np.ones_like(x))
    _shape("backward output", d, x.shape)
    expected_d = np.array([[0.0, 0.0, 1.0], [1.0, 0.0, 1.0]])
    _expect(np.array_equal(d, expected_d),
            f"backward(ones) should be 1 where the input was > 0 and 0 elsewhere (also at 0):\n"
            f"expected\n{expected_d}\ngot\n{d}")

    x = _away_from_zero(rng, (3, 4, 2))
    d_out = rng.normal(size=x.shape)
    layer.forward(x)
    dx = layer.backward(d_out)
    err = _grad("d_inputs", dx, numerical_gradient_array(lambda: layer.forward(x), x, d_out))
    print(f"ReLU: forward and gradient correct (relative error {err:.1e}).")


def check_cross_entropy(layer) -> None:
    """Check a ``CategoricalCrossEntropy`` object: ``forward(logits, labels)``, ``backward()``."""
    rng = np.random.default_rng(2)
    logits = np.array([[0.0, 0.0, 0.0, 0.0], [2.0, 0.0, -1.0, 0.5]])
    labels = np.eye(4)[[1, 0]]
    loss = layer.forward(logits, labels)
    _expect(isinstance(loss, float), f"forward should return a Python float, got {type(loss).__name__}")
    expected = (np.log(4.0) + (np.log(np.exp(logits[1]).sum()) - 2.0)) / 2
    _expect(np.isclose(loss, expected), f"loss on a small example: expected {expected:.6f}, got {loss:.6f} "
            "(remember: the mean over the samples)")

    big = np.array([[1000.0, 0.0, -1000.0], [-1000.0, 1000.0, 999.0]])
    with np.errstate(all="raise", under="ignore"):
        try:
            loss = layer.forward(big, np.eye(3)[[0, 2]])
        except FloatingPointError as exc:
            raise AssertionError(f"forward overflows for logits of size 1000 ({exc}); "
                                 "subtract the row maximum first") from None
    expected = (0.0 + (np.logaddexp(1000.0, 999.0) - 999.0)) / 2
    _expect(np.isfinite(loss) and np.isclose(loss, expected),
            f"loss for logits of size 1000: expected {expected:.6f}, got {loss}")
    with np.errstate(all="ignore"):
        loss = layer.forward(np.array([[1000.0, 0.0, -1000.0]]), np.eye(3)[[1]])
    _expect(np.isfinite(loss) and np.isclose(loss, 1000.0),
            f"logits (1000, 0, -1000) with true class 1 (probability e^-1000): expected a loss of 1000, got {loss}; "
            "compute the log-probabilities with the log-sum-exp trick, not the log of a (clipped) softmax")

    N, K = 5, 4
    logits = rng.normal(size=(N, K))
    labels = np.eye(K)[rng.integers(0, K, size=N)]
    layer.forward(logits, labels)
    grads = layer.backward()
    _expect(isinstance(grads, tuple) and len(grads) == 2 and grads[1] is None,
            "backward should return a tuple (d_logits, None)")
    _shape("d_logits", grads[0], logits.shape)
    err = _grad("d_logits", grads[0], numerical_gradient(lambda: layer.forward(logits, labels), logits))
    layer.forward(logits, labels)
    scaled = layer.backward(2.5)[0]
    _expect(np.allclose(scaled, 2.5 * grads[0]), "backward(d_out) should scale the gradient by d_out")
    print(f"CategoricalCrossEntropy: loss, stability and gradient correct (relative error {err:.1e}).")


# ---------------------------------------------------------------- mlp_backprop
def check_back_prop(feed_forward, back_prop, init_layers) -> None:
    """Check ``back_prop`` against a numerical gradient of the mean cross-entropy.

    One SGD step must move every weight matrix by exactly ``-lr`` times the gradient of the
    mean loss over the batch.
    """
    rng = np.random.default_rng(3)
    sizes = [5, 4, 3, 4]
    batch = 6
    x = rng.normal(size=(batch, sizes[0]))
    y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], size=batch)]
    weights = [rng.uniform(-1, 1, size=(a, b)) for a, b in zip(sizes[:-1], sizes[1:])]

    def loss() -> float:
        out, _ = feed_forward(x, init_layers(batch, sizes), weights)
        return float(-np.sum(y * np.log(out)) / batch)

    numeric = [numerical_gradient(loss, w) for w in weights]
    lr = 0.3
    before = [w.copy() for w in weights]
    out, layers = feed_forward(x, init_layers(batch, sizes), [w.copy() for w in weights])
    new = back_prop(out, y, layers, [w.copy() for w in weights], batch, lr)
    _expect(isinstance(new, list) and len(new) == len(weights),
            f"back_prop should return a list of {len(weights)} weight matrices")
    worst = 0.0
    for i, (w_new, w_old, g) in enumerate(zip(new, before, numeric)):
        _shape(f"updated weights[{i}]", w_new, w_old.shape)
        analytic = (w_old - w_new) / lr
        worst = max(worst, _grad(f"the step taken by weights[{i}] divided by lr", analytic, g))
    print(f"back_prop: every weight moved by -lr * gradient of the mean loss "
          f"(largest relative error {worst:.1e}).")


def check_two_layer_nn(model_class) -> None:
    """Check ``TwoLayerNN.backward``'s gradients and update against numerical gradients."""
    rng = np.random.default_rng(4)
    N, D, H, K = 6, 5, 4, 3
    net = model_class(D, H, K)
    net.W1, net.b1 = rng.normal(size=(D, H)), rng.normal(size=H) * 0.1
    net.W2, net.b2 = rng.normal(size=(H, K)), rng.normal(size=K) * 0.1
    X = _away_from_zero(rng, (N, D))
    y = np.eye(K)[rng.integers(0, K, size=N)]
    names = ["W1", "b1", "W2", "b2"]

    def loss() -> float:
        return float(net.compute_loss(y, net.forward(X)))

    numeric = {n: numerical_gradient(loss, getattr(net, n)) for n in names}
    before = {n: getattr(net, n).copy() for n in names}
    net.forward(X)
    lr = 0.1
    grads = net.backward(X, y, lr)
    _expect(isinstance(grads, tuple) and len(grads) == 4, "backward should return (dW1, db1, dW2, db2)")
    worst = 0.0
    for n, g in zip(names, grads):
        _shape("d" + n, g, before[n].shape)
        worst = max(worst, _grad("d" + n, g, numeric[n]))
        step = before[n] - getattr(net, n)
        _expect(np.allclose(step, lr * np.asarray(g)), f"backward should update {n} by -learning_rate * d{n}")
    print(f"TwoLayerNN.backward: gradients and update correct (largest relative error {worst:.1e}).")
