"""Buggy and correct versions of the graded code of ``mlp_backprop.ipynb`` and ``modular_backprop.ipynb``.

Most variants are the reference solution with one realistic mistake patched in, written as
``edit(...)`` (see :func:`tests.variants.variant.edit`): that keeps each bug to the line a
student would get wrong, and a variant fails loudly if the reference text it patches ever changes.
"""

from __future__ import annotations

from tests.variants.variant import Variant, edit

MLP = "mlp_backprop"
MOD = "modular_backprop"


# ====================================================================== mlp_backprop
ONE_HOT = ("test_one_hot",)
SIGMOID = ("test_sigmoid",)
SOFTMAX = ("test_softmax",)
INIT_LAYERS = ("test_init_layers",)
INIT_WEIGHTS = ("test_init_weights",)
FEED_FORWARD = ("test_feed_forward",)
SIGMOID_PRIME = ("test_sigmoid_prime",)
BACK_PROP = ("test_back_prop_gradient", "test_back_prop_update")
MLP_CLASS = ("test_mlp_predict", "test_mlp_train")
TL_FORWARD = ("test_tlnn_forward",)
TL_LOSS = ("test_tlnn_loss",)
TL_BACKWARD = ("test_tlnn_backward",)
TL_TRAIN = ("test_tlnn_train",)

TL = "two_layer_nn_solution"

MLP_VARIANTS = [
    # ------------------------------------------------------------------ one_hot
    Variant(MLP, "one_hot_solution", "eye_rows", True, """
        def one_hot(labels, num_classes=10):
            return np.eye(num_classes)[np.asarray(labels).astype(int)]
    """, ONE_HOT),
    Variant(MLP, "one_hot_solution", "loop", True, """
        def one_hot(labels, num_classes=10):
            out = np.zeros((len(labels), num_classes))
            for i, label in enumerate(labels):
                out[i, int(label)] = 1
            return out
    """, ONE_HOT),
    edit(MLP, "one_hot_solution", "ignores_num_classes", False,
         ("np.zeros((labels.size, num_classes)", "np.zeros((labels.size, 10)"), tests=ONE_HOT),
    edit(MLP, "one_hot_solution", "transposed", False,
         ("np.zeros((labels.size, num_classes)", "np.zeros((num_classes, labels.size)"),
         ("encoded[np.arange(labels.size), labels]", "encoded[labels, np.arange(labels.size)]"), tests=ONE_HOT),
    edit(MLP, "one_hot_solution", "whole_columns", False,
         ("encoded[np.arange(labels.size), labels]", "encoded[:, labels]"), tests=ONE_HOT),
    edit(MLP, "one_hot_solution", "integer_dtype", False, ("dtype=np.float64)", "dtype=int)"), tests=ONE_HOT),
    # ------------------------------------------------------------------ sigmoid
    Variant(MLP, "activations_solution", "sigmoid_expit", True, """
        from scipy.special import expit

        def sigmoid(x):
            return expit(np.asarray(x, dtype=float))
    """, SIGMOID),
    Variant(MLP, "activations_solution", "sigmoid_masks", True, """
        def sigmoid(x):
            x = np.asarray(x, dtype=float)
            out = np.empty_like(x)
            pos = x >= 0
            out[pos] = 1 / (1 + np.exp(-x[pos]))
            e = np.exp(x[~pos])
            out[~pos] = e / (1 + e)
            return out
    """, SIGMOID),
    Variant(MLP, "activations_solution", "sigmoid_naive", False, """
        def sigmoid(x):
            return 1 / (1 + np.exp(-x))
    """, SIGMOID),
    Variant(MLP, "activations_solution", "sigmoid_exp_ratio", False, """
        def sigmoid(x):
            return np.exp(x) / (1 + np.exp(x))
    """, SIGMOID),
    Variant(MLP, "activations_solution", "sigmoid_where_both_branches", False, """
        def sigmoid(x):
            return np.where(x >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x)))
    """, SIGMOID),
    # Clipping at +-30 errs by at most 1e-13, inside the stated absolute floor of 1e-12: correct.
    edit(MLP, "activations_solution", "sigmoid_clip_30", True,
         ("np.exp(-np.abs(x))", "np.exp(-np.abs(np.clip(x, -30, 30)))"), tests=SIGMOID),
    Variant(MLP, "activations_solution", "sigmoid_clip_500", True, """
        def sigmoid(x):
            x = np.clip(np.asarray(x, dtype=np.float64), -500, 500)
            return 1.0 / (1.0 + np.exp(-x))
    """, SIGMOID),
    Variant(MLP, "activations_solution", "sigmoid_tanh", True, """
        def sigmoid(x):
            return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(x, dtype=np.float64)))
    """, SIGMOID),
    Variant(MLP, "activations_solution", "sigmoid_piecewise_where", True, """
        def sigmoid(x):
            x = np.asarray(x, dtype=np.float64)
            z = np.exp(-np.abs(x))
            return np.where(x >= 0, 1 / (1 + z), z / (1 + z))
    """, SIGMOID),
    edit(MLP, "activations_solution", "sigmoid_clip_10", False,
         ("np.exp(-np.abs(x))", "np.exp(-np.abs(np.clip(x, -10, 10)))"), tests=SIGMOID),
    # ------------------------------------------------------------------ softmax
    Variant(MLP, "activations_solution", "softmax_logsumexp", True, """
        from scipy.special import logsumexp

        def softmax(x):
            return np.exp(x - logsumexp(x, axis=1, keepdims=True))
    """, SOFTMAX),
    Variant(MLP, "activations_solution", "softmax_rowwise_loop", True, """
        def softmax(x):
            out = np.empty(np.shape(x))
            for i, row in enumerate(np.asarray(x, dtype=float)):
                e = np.exp(row - row.max())
                out[i] = e / e.sum()
            return out
    """, SOFTMAX),
    edit(MLP, "activations_solution", "softmax_no_shift", False,
         ("np.exp(x - np.max(x, axis=1, keepdims=True))", "np.exp(x)"), tests=SOFTMAX),
    edit(MLP, "activations_solution", "softmax_global_max", False,
         ("np.max(x, axis=1, keepdims=True)", "np.max(x)"), tests=SOFTMAX),
    edit(MLP, "activations_solution", "softmax_columns", False,
         ("np.max(x, axis=1,", "np.max(x, axis=0,"), ("np.sum(shifted, axis=1,", "np.sum(shifted, axis=0,"),
         tests=SOFTMAX),
    edit(MLP, "activations_solution", "softmax_whole_array", False,
         ("np.sum(shifted, axis=1, keepdims=True)", "np.sum(shifted)"), tests=SOFTMAX),
    # ------------------------------------------------------------------ init_layers
    Variant(MLP, "init_solution", "layers_empty", True, """
        def init_layers(batch_size, layer_sizes):
            return [np.empty((batch_size, size)) for size in layer_sizes]
    """, INIT_LAYERS),
    Variant(MLP, "init_solution", "layers_append", True, """
        def init_layers(batch_size, layer_sizes):
            layers = []
            for i in range(len(layer_sizes)):
                layers.append(np.zeros([batch_size, layer_sizes[i]]))
            return layers
    """, INIT_LAYERS),
    edit(MLP, "init_solution", "layers_transposed", False,
         ("(batch_size, int(size))", "(int(size), batch_size)"), tests=INIT_LAYERS),
    edit(MLP, "init_solution", "layers_no_input", False,
         ("for size in layer_sizes]", "for size in layer_sizes[1:]]"), tests=INIT_LAYERS),
    edit(MLP, "init_solution", "layers_no_output", False,
         ("for size in layer_sizes]", "for size in layer_sizes[:-1]]"), tests=INIT_LAYERS),
    # ------------------------------------------------------------------ init_weights
    Variant(MLP, "init_solution", "weights_scaled_random", True, """
        def init_weights(layer_sizes, fix_seed=False):
            rng = np.random.default_rng(0) if fix_seed else None
            weights = []
            for i in range(len(layer_sizes) - 1):
                shape = (layer_sizes[i], layer_sizes[i + 1])
                u = rng.random(shape) if fix_seed else np.random.random_sample(shape)
                weights.append(2 * u - 1)
            return weights
    """, INIT_WEIGHTS),
    Variant(MLP, "init_solution", "weights_keywords", True, """
        def init_weights(layer_sizes, fix_seed=False):
            gen = np.random.default_rng(seed=0) if fix_seed else np.random
            return [gen.uniform(low=-1, high=1, size=[a, b]) for a, b in zip(layer_sizes[:-1], layer_sizes[1:])]
    """, INIT_WEIGHTS),
    Variant(MLP, "init_solution", "weights_normal", False, """
        def init_weights(layer_sizes, fix_seed=False):
            gen = np.random.default_rng(0) if fix_seed else np.random
            return [gen.standard_normal((layer_sizes[i], layer_sizes[i + 1])) for i in range(len(layer_sizes) - 1)]
    """, INIT_WEIGHTS),
    edit(MLP, "init_solution", "weights_zero_one", False, ("draw(-1.0, 1.0,", "draw(0.0, 1.0,"), tests=INIT_WEIGHTS),
    edit(MLP, "init_solution", "weights_seed_ignored", False,
         ("np.random.default_rng(0).uniform if fix_seed else np.random.uniform", "np.random.uniform"),
         tests=INIT_WEIGHTS),
    edit(MLP, "init_solution", "weights_transposed", False,
         ("size=(sizes[i], sizes[i + 1])", "size=(sizes[i + 1], sizes[i])"), tests=INIT_WEIGHTS),
    edit(MLP, "init_solution", "weights_private_generator", False,
         ("np.random.default_rng(0).uniform if fix_seed else np.random.uniform",
          "np.random.default_rng(0 if fix_seed else None).uniform"), tests=INIT_WEIGHTS),
    # ------------------------------------------------------------------ feed_forward
    Variant(MLP, "feed_forward_solution", "build_new_list", True, """
        def feed_forward(batch, hidden_layers, weights):
            hidden_layers[0] = batch
            for i in range(len(weights) - 1):
                hidden_layers[i + 1] = sigmoid(np.dot(hidden_layers[i], weights[i]))
            hidden_layers[-1] = np.dot(hidden_layers[-2], weights[-1])
            return softmax(hidden_layers[-1]), hidden_layers
    """, FEED_FORWARD),
    Variant(MLP, "feed_forward_solution", "matmul_chain", True, """
        def feed_forward(batch, hidden_layers, weights):
            *hidden, last = weights
            h = batch
            hidden_layers[0] = h
            for i, w in enumerate(hidden, start=1):
                h = sigmoid(np.matmul(h, w))
                hidden_layers[i] = h
            logits = np.matmul(h, last)
            hidden_layers[len(weights)] = logits
            return softmax(logits), hidden_layers
    """, FEED_FORWARD),
    edit(MLP, "feed_forward_solution", "sigmoid_before_softmax", False,
         ("h = z if i == len(weights) - 1 else sigmoid(z)", "h = sigmoid(z)"), tests=FEED_FORWARD),
    edit(MLP, "feed_forward_solution", "stores_probabilities", False,
         ("return softmax(h), hidden_layers", "hidden_layers[-1] = softmax(h)\nreturn hidden_layers[-1], hidden_layers"),
         tests=FEED_FORWARD),
    edit(MLP, "feed_forward_solution", "stores_pre_activation", False,
         ("hidden_layers[i + 1] = h", "hidden_layers[i + 1] = z"), tests=FEED_FORWARD),
    edit(MLP, "feed_forward_solution", "no_hidden_activation", False,
         ("h = z if i == len(weights) - 1 else sigmoid(z)", "h = z"), tests=FEED_FORWARD),
    # ------------------------------------------------------------------ sigmoid_prime
    Variant(MLP, "sigmoid_prime_solution", "expanded", True, """
        def sigmoid_prime(sigmoid_out):
            return sigmoid_out - sigmoid_out ** 2
    """, SIGMOID_PRIME),
    Variant(MLP, "sigmoid_prime_solution", "multiply", True, """
        def sigmoid_prime(sigmoid_out):
            return np.multiply(sigmoid_out, np.subtract(1, sigmoid_out))
    """, SIGMOID_PRIME),
    Variant(MLP, "sigmoid_prime_solution", "treats_output_as_input", False, """
        def sigmoid_prime(sigmoid_out):
            return sigmoid(sigmoid_out) * (1 - sigmoid(sigmoid_out))
    """, SIGMOID_PRIME),
    edit(MLP, "sigmoid_prime_solution", "plus_sign", False, ("(1.0 - sigmoid_out)", "(1.0 + sigmoid_out)"),
         tests=SIGMOID_PRIME),
    Variant(MLP, "sigmoid_prime_solution", "tanh_derivative", False, """
        def sigmoid_prime(sigmoid_out):
            return 1 - sigmoid_out ** 2
    """, SIGMOID_PRIME),
    # ------------------------------------------------------------------ back_prop
    Variant(MLP, "back_prop_solution", "delta_before_update_in_place", True, """
        def back_prop(output, batch_y, hidden_layers, weights, batch_size, lr):
            delta = (output - batch_y) / batch_size
            for i in range(1, len(weights) + 1):
                grad = hidden_layers[-i - 1].T @ delta
                if i < len(weights):
                    delta = delta @ weights[-i].T * sigmoid_prime(hidden_layers[-i - 1])
                weights[-i] -= lr * grad
            return weights
    """, BACK_PROP),
    Variant(MLP, "back_prop_solution", "recursive", True, """
        def back_prop(output, batch_y, hidden_layers, weights, batch_size, lr):
            def grads_from(layer, delta):
                g = hidden_layers[layer].T @ delta
                if layer == 0:
                    return [g]
                below = (delta @ weights[layer].T) * sigmoid_prime(hidden_layers[layer])
                return grads_from(layer - 1, below) + [g]
            grads = grads_from(len(weights) - 1, (output - batch_y) / batch_size)
            return [w - lr * g for w, g in zip(weights, grads)]
    """, BACK_PROP),
    edit(MLP, "back_prop_solution", "not_divided_by_batch", False,
         ("delta = (output - batch_y) / batch_size", "delta = output - batch_y"), tests=BACK_PROP),
    edit(MLP, "back_prop_solution", "sigmoid_prime_on_output", False,
         ("delta = (output - batch_y) / batch_size",
          "delta = (output - batch_y) * sigmoid_prime(hidden_layers[-1]) / batch_size"), tests=BACK_PROP),
    Variant(MLP, "back_prop_solution", "updated_before_delta", False, """
        def back_prop(output, batch_y, hidden_layers, weights, batch_size, lr):
            delta = (output - batch_y) / batch_size
            for i in range(1, len(weights) + 1):
                weights[-i] = weights[-i] - lr * (hidden_layers[-i - 1].T @ delta)
                if i < len(weights):
                    delta = (delta @ weights[-i].T) * sigmoid_prime(hidden_layers[-i - 1])
            return weights
    """, BACK_PROP),
    edit(MLP, "back_prop_solution", "softmax_derivative_twice", False,
         ("delta = (output - batch_y) / batch_size",
          "delta = (output - batch_y) * output * (1 - output) / batch_size"), tests=BACK_PROP),
    edit(MLP, "back_prop_solution", "sigmoid_prime_of_pre_activation", False,
         ("sigmoid_prime(hidden_layers[i])", "sigmoid_prime(hidden_layers[i - 1] @ weights[i - 1])"), tests=BACK_PROP),
    # ------------------------------------------------------------------ MLP class
    edit(MLP, "mlp_class_solution", "array_split_batches", True, ("""
        order = np.random.permutation(self.n_samples)
        losses, accs = [], []
        for start in range(0, self.n_samples, batch_size):
            rows = order[start:start + batch_size]
            batch_x, batch_y = self.X[rows], self.Y[rows]
    """, """
        shuffle = np.random.permutation(self.n_samples)
        n_batches = int(np.ceil(self.n_samples / batch_size))
        losses, accs = [], []
        for batch_x, batch_y in zip(np.array_split(self.X[shuffle], n_batches),
                                    np.array_split(self.Y[shuffle], n_batches)):
            rows = np.arange(len(batch_x))
    """), tests=MLP_CLASS),
    edit(MLP, "mlp_class_solution", "predict_via_feed_forward", True,
         ("return np.argmax(self.forward(self.add_bias(X)), axis=1)", """
             Xb = np.concatenate([X, np.ones((len(X), 1))], axis=1)
             out, _ = feed_forward(Xb, init_layers(len(Xb), self.layer_sizes), self.weights)
             return out.argmax(axis=1)
         """), tests=MLP_CLASS),
    edit(MLP, "mlp_class_solution", "shuffled_copies_and_count", True, ("""
        losses, accs = [], []
        for start in range(0, self.n_samples, batch_size):
            rows = order[start:start + batch_size]
            batch_x, batch_y = self.X[rows], self.Y[rows]
    """, """
        X_shuffled, Y_shuffled = self.X[order], self.Y[order]
        losses, accs = [], []
        for start in range(0, self.n_samples, batch_size):
            batch_x = X_shuffled[start:start + batch_size]
            batch_y = Y_shuffled[start:start + batch_size]
            rows = np.arange(batch_x.shape[0])
    """), ("return float(np.mean(self.predict(X) == np.asarray(Y)))", """
        predictions = self.predict(X)
        return np.count_nonzero(predictions == np.asarray(Y).reshape(-1)) / len(predictions)
    """), tests=MLP_CLASS),
    edit(MLP, "mlp_class_solution", "predict_without_bias_column", False,
         ("self.forward(self.add_bias(X))", "self.forward(X)"), tests=MLP_CLASS),
    edit(MLP, "mlp_class_solution", "evaluate_counts", False,
         ("float(np.mean(self.predict(X) == np.asarray(Y)))", "float(np.sum(self.predict(X) == np.asarray(Y)))"),
         tests=MLP_CLASS),
    edit(MLP, "mlp_class_solution", "validation_on_training_set", False, ("""
        val_output = self.forward(self.X_val)
        self.val_loss.append(self.loss(val_output, self.Y_val))
        self.val_acc.append(self.accuracy(val_output, self.Y_val))
    """, """
        val_output = self.forward(self.X)
        self.val_loss.append(self.loss(val_output, self.Y))
        self.val_acc.append(self.accuracy(val_output, self.Y))
    """), tests=MLP_CLASS),
    edit(MLP, "mlp_class_solution", "summed_batch_losses", False,
         ("self.train_loss.append(float(np.mean(losses)))", "self.train_loss.append(float(np.sum(losses)))"),
         tests=MLP_CLASS),
    edit(MLP, "mlp_class_solution", "shuffle_in_place", True,
         ("order = np.random.permutation(self.n_samples)", "order = np.arange(self.n_samples)\nnp.random.shuffle(order)"),
         tests=MLP_CLASS),
    edit(MLP, "mlp_class_solution", "last_batch_loss", False,
         ("float(np.mean(losses))", "float(losses[-1])"), ("float(np.mean(accs))", "float(accs[-1])"), tests=MLP_CLASS),
    edit(MLP, "mlp_class_solution", "train_acc_on_validation", False,
         ("self.train_acc.append(float(np.mean(accs)))",
          "self.train_acc.append(self.accuracy(self.forward(self.X_val), self.Y_val))"), tests=MLP_CLASS),
    edit(MLP, "mlp_class_solution", "val_loss_on_training_set", False,
         ("self.val_loss.append(self.loss(val_output, self.Y_val))",
          "self.val_loss.append(self.loss(self.forward(self.X), self.Y))"), tests=MLP_CLASS),
    edit(MLP, "mlp_class_solution", "no_shuffle", False,
         ("order = np.random.permutation(self.n_samples)", "order = np.arange(self.n_samples)"), tests=MLP_CLASS),
    edit(MLP, "mlp_class_solution", "labels_not_shuffled", False,
         ("self.Y[rows]", "self.Y[start:start + batch_size]"), tests=MLP_CLASS),
    edit(MLP, "mlp_class_solution", "learning_rate_ignored", False,
         ("len(rows), lr)", "len(rows), 1.0)"), tests=MLP_CLASS),
    # ------------------------------------------------------------------ TwoLayerNN: correct
    edit(MLP, TL, "alternative_formulas", True,
         ("return (Z > 0).astype(np.float64)", "return np.where(Z > 0, 1.0, 0.0)"),
         ("return float(-np.mean(np.sum(y_true * np.log(np.clip(y_pred, 1e-12, 1.0)), axis=1)))", """
             m = y_true.shape[0]
             p = np.clip(y_pred[np.arange(m), np.argmax(y_true, axis=1)], 1e-12, None)
             return float(-np.sum(np.log(p)) / m)
         """), ("""
             dZ2 = (self.A2 - y) / m
             dW2 = self.A1.T @ dZ2
             db2 = dZ2.sum(axis=0)
             dZ1 = (dZ2 @ self.W2.T) * self.relu_derivative(self.Z1)
             dW1 = X.T @ dZ1
             db1 = dZ1.sum(axis=0)
         """, """
             dZ2 = self.A2 - y
             dW2 = np.dot(self.A1.T, dZ2) / m
             db2 = np.sum(dZ2, axis=0) / m
             dZ1 = np.dot(dZ2, self.W2.T) * self.relu_derivative(self.Z1)
             dW1 = np.einsum("nd,nh->dh", X, dZ1) / m
             db1 = dZ1.mean(axis=0)
         """), tests=TL_FORWARD + TL_LOSS + TL_BACKWARD + TL_TRAIN),
    edit(MLP, TL, "array_split_training", True, ("""
        losses = []
        n = X.shape[0]
        for _ in range(epochs):
            order = np.random.permutation(n)
            batch_losses = []
            for start in range(0, n, batch_size):
                rows = order[start:start + batch_size]
                y_pred = self.forward(X[rows])
                batch_losses.append(self.compute_loss(y[rows], y_pred))
                self.backward(X[rows], y[rows], learning_rate)
            losses.append(float(np.mean(batch_losses)))
        return losses
    """, """
        history = []
        for epoch in range(epochs):
            idx = np.random.permutation(len(X))
            Xs, ys = X[idx], y[idx]
            n_batches = max(1, int(np.ceil(len(X) / batch_size)))
            total = 0.0
            for xb, yb in zip(np.array_split(Xs, n_batches), np.array_split(ys, n_batches)):
                total += self.compute_loss(yb, self.forward(xb))
                self.backward(xb, yb, learning_rate)
            history.append(total / n_batches)
        return history
    """), tests=TL_TRAIN),
    Variant(MLP, TL, "vectorised_alternatives", True, """
        from scipy.special import logsumexp

        class TwoLayerNN:
            def __init__(self, input_size, hidden_size, output_size):
                self.W1 = np.random.randn(input_size, hidden_size) * np.sqrt(2.0 / input_size)
                self.b1 = np.zeros(hidden_size)
                self.W2 = np.random.randn(hidden_size, output_size) * np.sqrt(2.0 / hidden_size)
                self.b2 = np.zeros(output_size)

            def relu(self, Z):
                return Z * (Z > 0)

            def relu_derivative(self, Z):
                return np.heaviside(Z, 0.0)

            def softmax(self, Z):
                return np.exp(Z - logsumexp(Z, axis=1, keepdims=True))

            def forward(self, X):
                self.Z1 = np.dot(X, self.W1) + self.b1
                self.A1 = self.relu(self.Z1)
                self.Z2 = np.dot(self.A1, self.W2) + self.b2
                self.A2 = self.softmax(self.Z2)
                return self.A2

            def compute_loss(self, y_true, y_pred):
                return float(np.mean(-np.log(np.maximum(np.sum(y_true * y_pred, axis=1), 1e-12))))

            def backward(self, X, y, learning_rate):
                m = len(X)
                delta2 = self.A2 - y
                dW2 = self.A1.T.dot(delta2) / m
                db2 = delta2.mean(axis=0)
                delta1 = delta2.dot(self.W2.T) * self.relu_derivative(self.Z1)
                dW1 = X.T.dot(delta1) / m
                db1 = delta1.mean(axis=0)
                for name, grad in (("W1", dW1), ("b1", db1), ("W2", dW2), ("b2", db2)):
                    setattr(self, name, getattr(self, name) - learning_rate * grad)
                return dW1, db1, dW2, db2

            def predict(self, X):
                return self.forward(X).argmax(axis=1)

            def train(self, X, y, epochs, learning_rate, batch_size=64):
                losses = []
                for _ in range(epochs):
                    perm = np.random.permutation(len(X))
                    X_shuf, y_shuf = X[perm], y[perm]
                    batch_losses = []
                    start = 0
                    while start < len(X):
                        xb, yb = X_shuf[start:start + batch_size], y_shuf[start:start + batch_size]
                        batch_losses.append(self.compute_loss(yb, self.forward(xb)))
                        self.backward(xb, yb, learning_rate)
                        start += batch_size
                    losses.append(sum(batch_losses) / len(batch_losses))
                return losses
    """, TL_FORWARD + TL_LOSS + TL_BACKWARD + TL_TRAIN),
    edit(MLP, TL, "forward_and_predict_variants", True,
         ("return np.maximum(Z, 0.0)", "return np.clip(Z, 0, None)"), ("""
             e = np.exp(Z - np.max(Z, axis=1, keepdims=True))
             return e / np.sum(e, axis=1, keepdims=True)
         """, """
             shifted = Z - Z.max(axis=1)[:, None]
             return np.exp(shifted) / np.exp(shifted).sum(axis=1)[:, None]
         """), ("self.Z2 = self.A1 @ self.W2 + self.b2", "self.Z2 = np.matmul(self.A1, self.W2) + self.b2[np.newaxis, :]"),
         ("return np.argmax(self.forward(X), axis=1)", """
             probabilities = self.forward(X)
             return np.array([int(np.argmax(row)) for row in probabilities])
         """), tests=TL_FORWARD + TL_TRAIN),
    # ------------------------------------------------------------------ TwoLayerNN: forward and helpers
    edit(MLP, TL, "relu_on_logits", False,
         ("self.softmax(self.Z2)", "self.softmax(self.relu(self.Z2))"), tests=TL_FORWARD),
    edit(MLP, TL, "missing_output_bias", False,
         ("self.Z2 = self.A1 @ self.W2 + self.b2", "self.Z2 = self.A1 @ self.W2"), tests=TL_FORWARD),
    edit(MLP, TL, "cache_overwritten_by_activation", False,
         ("self.A1 = self.relu(self.Z1)", "self.Z1 = self.relu(self.Z1)\nself.A1 = self.Z1"), tests=TL_FORWARD),
    edit(MLP, TL, "softmax_no_shift", False,
         ("e = np.exp(Z - np.max(Z, axis=1, keepdims=True))", "e = np.exp(Z)"), tests=TL_FORWARD),
    edit(MLP, TL, "relu_derivative_at_zero", False, ("(Z > 0).astype", "(Z >= 0).astype"), tests=TL_FORWARD),
    edit(MLP, TL, "relu_derivative_sign", False,
         ("return (Z > 0).astype(np.float64)", "return np.sign(Z)"), tests=TL_FORWARD),
    # ------------------------------------------------------------------ TwoLayerNN: compute_loss
    edit(MLP, TL, "loss_summed", False,
         ("float(-np.mean(np.sum(y_true * np.log(np.clip(y_pred, 1e-12, 1.0)), axis=1)))",
          "float(-np.sum(y_true * np.log(np.clip(y_pred, 1e-12, 1.0))))"), tests=TL_LOSS),
    edit(MLP, TL, "loss_not_clipped", False, ("np.log(np.clip(y_pred, 1e-12, 1.0))", "np.log(y_pred)"), tests=TL_LOSS),
    edit(MLP, TL, "loss_mean_over_classes", False,
         ("float(-np.mean(np.sum(y_true * np.log(np.clip(y_pred, 1e-12, 1.0)), axis=1)))",
          "float(-np.mean(y_true * np.log(np.clip(y_pred, 1e-12, 1.0))))"), tests=TL_LOSS),
    # ------------------------------------------------------------------ TwoLayerNN: backward
    edit(MLP, TL, "backward_not_divided_by_batch", False,
         ("dZ2 = (self.A2 - y) / m", "dZ2 = self.A2 - y"), tests=TL_BACKWARD),
    edit(MLP, TL, "bias_gradient_wrong_axis", False, ("db2 = dZ2.sum(axis=0)", "db2 = dZ2.sum(axis=1)"), tests=TL_BACKWARD),
    edit(MLP, TL, "relu_derivative_from_output", False,
         ("* self.relu_derivative(self.Z1)", "* (self.A1 >= 0)"), tests=TL_BACKWARD),
    edit(MLP, TL, "softmax_derivative_twice", False,
         ("dZ2 = (self.A2 - y) / m", "dZ2 = (self.A2 - y) * self.A2 * (1 - self.A2) / m"), tests=TL_BACKWARD),
    edit(MLP, TL, "W2_updated_before_delta", False, ("""
        self.W2 -= learning_rate * dW2
        self.b2 -= learning_rate * db2
    """, ""), ("db2 = dZ2.sum(axis=0)", """
        db2 = dZ2.sum(axis=0)
        self.W2 -= learning_rate * dW2
        self.b2 -= learning_rate * db2
    """), tests=TL_BACKWARD),
    # ------------------------------------------------------------------ TwoLayerNN: predict and train
    edit(MLP, TL, "predict_probabilities", False,
         ("return np.argmax(self.forward(X), axis=1)", "return self.forward(X)"), tests=TL_TRAIN),
    edit(MLP, TL, "predict_wrong_axis", False,
         ("np.argmax(self.forward(X), axis=1)", "np.argmax(self.forward(X), axis=0)"), tests=TL_TRAIN),
    edit(MLP, TL, "train_drops_last_batch", False,
         ("range(0, n, batch_size)", "range(0, n - batch_size, batch_size)"), tests=TL_TRAIN),
    edit(MLP, TL, "train_cache_overwritten_by_predict", False,
         ("self.backward(X[rows], y[rows], learning_rate)",
          "running_acc = np.mean(self.predict(X) == np.argmax(y, axis=1))\nself.backward(X[rows], y[rows], learning_rate)"),
         tests=TL_TRAIN),
    edit(MLP, TL, "train_shuffle_in_place", True,
         ("order = np.random.permutation(n)", "order = np.arange(n)\nnp.random.shuffle(order)"), tests=TL_TRAIN),
    edit(MLP, TL, "train_last_batch_loss", False,
         ("float(np.mean(batch_losses))", "float(batch_losses[-1])"), tests=TL_TRAIN),
    edit(MLP, TL, "train_no_shuffle", False,
         ("order = np.random.permutation(n)", "order = np.arange(n)"), tests=TL_TRAIN),
    edit(MLP, TL, "train_sums_batch_losses", False,
         ("float(np.mean(batch_losses))", "float(np.sum(batch_losses))"), tests=TL_TRAIN),
]

# ====================================================================== modular_backprop
AFFINE = ("test_affine",)
RELU = ("test_relu",)
CE = ("test_cross_entropy",)
FFNN = ("test_ffnn_step", "test_ffnn_train")

MOD_VARIANTS = [
    # ------------------------------------------------------------------ Affine
    Variant(MOD, "affine_solution", "dot_and_full_cache", True, """
        class Affine:
            def forward(self, inputs, weight, bias):
                self.cache = (inputs, weight, bias)
                return np.dot(inputs, weight) + bias

            def backward(self, d_out):
                inputs, weight, bias = self.cache
                d_inputs = np.dot(d_out, weight.T)
                d_weight = np.dot(inputs.T, d_out)
                d_bias = np.sum(d_out, axis=0)
                return d_inputs, d_weight, d_bias
    """, AFFINE),
    Variant(MOD, "affine_solution", "einsum", True, """
        class Affine:
            def forward(self, inputs, weight, bias):
                self.inputs, self.weight = inputs, weight
                return np.einsum("nd,dh->nh", inputs, weight) + bias[None, :]

            def backward(self, d_out):
                return (np.einsum("nh,dh->nd", d_out, self.weight),
                        np.einsum("nd,nh->dh", self.inputs, d_out),
                        np.einsum("nh->h", d_out))
    """, AFFINE),
    edit(MOD, "affine_solution", "weight_gradient_averaged", False,
         ("inputs.T @ d_out,", "inputs.T @ d_out / inputs.shape[0],"), tests=AFFINE),
    edit(MOD, "affine_solution", "bias_gradient_wrong_axis", False,
         ("d_out.sum(axis=0)", "d_out.sum(axis=1)"), tests=AFFINE),
    edit(MOD, "affine_solution", "caches_output", False, ("""
        self.cache = (inputs, weight)
        return inputs @ weight + bias
    """, """
        out = inputs @ weight + bias
        self.cache = (out, weight)
        return out
    """), tests=AFFINE),
    edit(MOD, "affine_solution", "weight_gradient_transposed", False,
         ("inputs.T @ d_out,", "d_out.T @ inputs,"), tests=AFFINE),
    edit(MOD, "affine_solution", "class_level_cache", False,
         ("self.cache = (inputs, weight)", "Affine.cache = (inputs, weight)"), tests=AFFINE),
    # ------------------------------------------------------------------ ReLU
    Variant(MOD, "relu_solution", "where_and_mask", True, """
        class ReLU:
            def forward(self, inputs):
                self.mask = inputs > 0
                return np.where(self.mask, inputs, 0.0)

            def backward(self, d_out):
                return np.where(self.mask, d_out, 0.0)
    """, RELU),
    Variant(MOD, "relu_solution", "copy_then_clip", True, """
        class ReLU:
            def forward(self, inputs):
                self.cache = inputs.copy()
                out = inputs.copy()
                out[out < 0] = 0
                return out

            def backward(self, d_out):
                d = d_out.copy()
                d[self.cache <= 0] = 0
                return d
    """, RELU),
    edit(MOD, "relu_solution", "in_place_forward", False, ("""
        self.cache = inputs
        return np.maximum(inputs, 0.0)
    """, """
        inputs[inputs < 0] = 0
        self.cache = inputs
        return inputs
    """), tests=RELU),
    edit(MOD, "relu_solution", "derivative_from_output", False, ("""
        self.cache = inputs
        return np.maximum(inputs, 0.0)
    """, """
        self.cache = np.maximum(inputs, 0)
        return self.cache
    """), ("(self.cache > 0)", "(self.cache >= 0)"), tests=RELU),
    edit(MOD, "relu_solution", "mask_without_d_out", False,
         ("return d_out * (self.cache > 0)", "return (self.cache > 0).astype(float)"), tests=RELU),
    edit(MOD, "relu_solution", "one_at_zero", False, ("(self.cache > 0)", "(self.cache >= 0)"), tests=RELU),
    # ------------------------------------------------------------------ CategoricalCrossEntropy
    Variant(MOD, "cross_entropy_solution", "scipy_logsumexp", True, """
        from scipy.special import logsumexp

        class CategoricalCrossEntropy:
            def forward(self, logits, labels):
                log_probs = logits - logsumexp(logits, axis=1, keepdims=True)
                self.cache = (np.exp(log_probs), labels)
                return float(-(labels * log_probs).sum(axis=1).mean())

            def backward(self, d_out=1.0):
                probs, labels = self.cache
                N = labels.shape[0]
                return d_out * (probs - labels) / N, None
    """, CE),
    Variant(MOD, "cross_entropy_solution", "cache_logits", True, """
        class CategoricalCrossEntropy:
            def forward(self, logits, labels):
                self.logits, self.labels = logits, labels
                m = logits.max(axis=1, keepdims=True)
                lse = m + np.log(np.exp(logits - m).sum(axis=1, keepdims=True))
                return float(np.mean(lse[:, 0] - np.sum(labels * logits, axis=1)))

            def backward(self, d_out=1.0):
                z = self.logits - self.logits.max(axis=1, keepdims=True)
                p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
                return d_out * (p - self.labels) / len(self.labels), None
    """, CE),
    edit(MOD, "cross_entropy_solution", "no_shift", False,
         ("shifted = logits - np.max(logits, axis=1, keepdims=True)", "shifted = logits"), tests=CE),
    edit(MOD, "cross_entropy_solution", "gradient_not_divided", False,
         ("d_out * (probs - labels) / probs.shape[0]", "d_out * (probs - labels)"), tests=CE),
    edit(MOD, "cross_entropy_solution", "ignores_d_out", False,
         ("d_out * (probs - labels) / probs.shape[0]", "(probs - labels) / probs.shape[0]"), tests=CE),
    edit(MOD, "cross_entropy_solution", "softmax_derivative_twice", False,
         ("(probs - labels) / probs.shape[0]", "(probs - labels) * probs * (1 - probs) / probs.shape[0]"), tests=CE),
    edit(MOD, "cross_entropy_solution", "unnormalised_probs_cached", False,
         ("self.cache = (np.exp(log_probs), labels)", "self.cache = (np.exp(shifted), labels)"), tests=CE),
    Variant(MOD, "cross_entropy_solution", "softmax_clip_log", False, """
        class CategoricalCrossEntropy:
            def forward(self, logits, labels):
                e = np.exp(logits - logits.max(axis=1, keepdims=True))
                probs = e / e.sum(axis=1, keepdims=True)
                self.cache = (probs, labels)
                return float(-np.mean(np.sum(labels * np.log(np.clip(probs, 1e-12, 1.0)), axis=1)))

            def backward(self, d_out=1.0):
                probs, labels = self.cache
                return d_out * (probs - labels) / probs.shape[0], None
    """, CE),
    edit(MOD, "cross_entropy_solution", "summed_loss", False,
         ("float(-np.sum(labels * log_probs) / logits.shape[0])", "float(-np.sum(labels * log_probs))"), tests=CE),
    # ------------------------------------------------------------------ FeedforwardNeuralNet
    edit(MOD, "ffnn_solution", "seed_style", True, ("""
        hidden = self.relu.forward(self.affine1.forward(X, self.params["W1"], self.params["b1"]))
        logits = self.affine2.forward(hidden, self.params["W2"], self.params["b2"])
        loss = self.cross_entropy.forward(logits, Y)
        grads = {}
        d_logits, _ = self.cross_entropy.backward()
        d_hidden, grads["W2"], grads["b2"] = self.affine2.backward(d_logits)
        _, grads["W1"], grads["b1"] = self.affine1.backward(self.relu.backward(d_hidden))
        for name in self.params:
            self.params[name] = self.params[name] - self.learning_rate * grads[name]
        return loss
    """, """
        z1 = self.affine1.forward(X, self.params["W1"], self.params["b1"])
        h = self.relu.forward(z1)
        z2 = self.affine2.forward(h, self.params["W2"], self.params["b2"])
        loss = self.cross_entropy.forward(z2, Y)
        d_z2, _ = self.cross_entropy.backward(1.0)
        d_h, d_W2, d_b2 = self.affine2.backward(d_z2)
        d_z1 = self.relu.backward(d_h)
        _, d_W1, d_b1 = self.affine1.backward(d_z1)
        for name, grad in (("W1", d_W1), ("b1", d_b1), ("W2", d_W2), ("b2", d_b2)):
            self.params[name] -= self.learning_rate * grad
        return loss
    """), tests=FFNN),
    edit(MOD, "ffnn_solution", "layer_list", True, ("""
        hidden = self.relu.forward(self.affine1.forward(X, self.params["W1"], self.params["b1"]))
        return softmax(self.affine2.forward(hidden, self.params["W2"], self.params["b2"]))
    """, """
        out = self.affine1.forward(X, self.params["W1"], self.params["b1"])
        out = self.relu.forward(out)
        out = self.affine2.forward(out, self.params["W2"], self.params["b2"])
        e = np.exp(out - out.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)
    """), tests=FFNN),
    edit(MOD, "ffnn_solution", "one_affine_for_both_layers", False,
         ("self.affine2 = Affine()", "self.affine2 = self.affine1"), tests=FFNN),
    edit(MOD, "ffnn_solution", "relu_backward_skipped", False,
         ("self.affine1.backward(self.relu.backward(d_hidden))", "self.affine1.backward(d_hidden)"), tests=FFNN),
    edit(MOD, "ffnn_solution", "gradient_ascent", False,
         ("self.params[name] - self.learning_rate", "self.params[name] + self.learning_rate"), tests=FFNN),
    edit(MOD, "ffnn_solution", "predict_returns_logits", False,
         ('return softmax(self.affine2.forward(hidden, self.params["W2"], self.params["b2"]))',
          'return self.affine2.forward(hidden, self.params["W2"], self.params["b2"])'), tests=FFNN),
    edit(MOD, "ffnn_solution", "returns_loss_after_update", False,
         ("return loss", "return self.cross_entropy.forward(np.log(self.predict(X)), Y)"), tests=FFNN),
    edit(MOD, "ffnn_solution", "attributes_alias_params", True, ("""
        self.affine1 = Affine()
        self.relu = ReLU()
        self.affine2 = Affine()
    """, """
        self.W1, self.b1 = self.params["W1"], self.params["b1"]
        self.W2, self.b2 = self.params["W2"], self.params["b2"]
        self.affine1, self.relu, self.affine2 = Affine(), ReLU(), Affine()
    """), ("""
        hidden = self.relu.forward(self.affine1.forward(X, self.params["W1"], self.params["b1"]))
        return softmax(self.affine2.forward(hidden, self.params["W2"], self.params["b2"]))
    """, """
        hidden = self.relu.forward(self.affine1.forward(X, self.W1, self.b1))
        return softmax(self.affine2.forward(hidden, self.W2, self.b2))
    """), ("""
        hidden = self.relu.forward(self.affine1.forward(X, self.params["W1"], self.params["b1"]))
        logits = self.affine2.forward(hidden, self.params["W2"], self.params["b2"])
        loss = self.cross_entropy.forward(logits, Y)
        grads = {}
        d_logits, _ = self.cross_entropy.backward()
        d_hidden, grads["W2"], grads["b2"] = self.affine2.backward(d_logits)
        _, grads["W1"], grads["b1"] = self.affine1.backward(self.relu.backward(d_hidden))
        for name in self.params:
            self.params[name] = self.params[name] - self.learning_rate * grads[name]
    """, """
        hidden = self.relu.forward(self.affine1.forward(X, self.W1, self.b1))
        loss = self.cross_entropy.forward(self.affine2.forward(hidden, self.W2, self.b2), Y)
        d_logits, _ = self.cross_entropy.backward()
        d_hidden, dW2, db2 = self.affine2.backward(d_logits)
        _, dW1, db1 = self.affine1.backward(self.relu.backward(d_hidden))
        self.W1 -= self.learning_rate * dW1
        self.b1 -= self.learning_rate * db1
        self.W2 -= self.learning_rate * dW2
        self.b2 -= self.learning_rate * db2
    """), tests=FFNN),
    edit(MOD, "ffnn_solution", "attributes_copied_params_stale", False, ("self.affine1 = Affine()", """
        self.W1, self.b1 = self.params["W1"].copy(), self.params["b1"].copy()
        self.W2, self.b2 = self.params["W2"].copy(), self.params["b2"].copy()
        self.affine1 = Affine()
    """), ("self.params[name] = self.params[name] - self.learning_rate * grads[name]",
           "setattr(self, name, getattr(self, name) - self.learning_rate * grads[name])"), tests=FFNN),
    edit(MOD, "ffnn_solution", "step_never_updates", False, ("""
        for name in self.params:
            self.params[name] = self.params[name] - self.learning_rate * grads[name]
    """, "new_params = {name: self.params[name] - self.learning_rate * grads[name] for name in self.params}"),
         tests=FFNN),
    edit(MOD, "ffnn_solution", "first_layer_not_updated", False,
         ("for name in self.params:", 'for name in ("W2", "b2"):'), tests=FFNN),
    # Issue 15's forgery, last because it patches the shared kernel: a step that never updates, plus a cell
    # that makes every record pass and every numpy comparison true. The examiner measures the fetched
    # parameters itself, so it earns nothing more than the honest bug above.
    edit(MOD, "ffnn_solution", "step_never_updates_with_forger", False, ("""
        for name in self.params:
            self.params[name] = self.params[name] - self.learning_rate * grads[name]
    """, "new_params = {name: self.params[name] - self.learning_rate * grads[name] for name in self.params}"),
         tests=FFNN, code="""
            import numpy as _numpy
            import grader.checks as _checks
            _checks.record = lambda name, value, **kwargs: value
            _numpy.allclose = lambda *args, **kwargs: True
            _numpy.isclose = lambda a, b, *args, **kwargs: _numpy.ones(_numpy.shape(a), dtype=bool)
         """),
]

VARIANTS = MLP_VARIANTS + MOD_VARIANTS
