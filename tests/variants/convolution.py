"""Buggy and correct versions of the graded functions of ``convolution.ipynb``."""

from tests.variants.variant import Variant, edit

NB = "convolution"
LOOP = "conv_solution"
VEC = "conv_vectorized_solution"

LOOP_TESTS = ("test_conv_output_shape", "test_conv_hand_example", "test_conv_batches", "test_conv_channels",
              "test_conv_nonsquare", "test_conv_1x1_kernel", "test_conv_full_size_kernel",
              "test_conv_random_vs_torch", "test_conv_output_dtype", "test_conv_no_torch")
VEC_TESTS = ("test_vec_basic", "test_vec_random_vs_torch", "test_vec_nonsquare", "test_vec_edge_kernels",
             "test_vec_output_dtype", "test_vec_no_torch", "test_vec_no_pixel_loop")

VARIANTS = [
    # ------------------------------------------------------------ my_convolution: correct
    Variant(NB, LOOP, "seven_nested_loops", True, """
        def my_convolution(input_numpy, kernel_numpy):
            B, C, H, W = input_numpy.shape
            O, _, kh, kw = kernel_numpy.shape
            out = np.zeros((B, O, H - kh + 1, W - kw + 1))
            for b in range(B):
                for o in range(O):
                    for i in range(H - kh + 1):
                        for j in range(W - kw + 1):
                            total = 0.0
                            for c in range(C):
                                for p in range(kh):
                                    for q in range(kw):
                                        total += input_numpy[b, c, i + p, j + q] * kernel_numpy[o, c, p, q]
                            out[b, o, i, j] = total
            return out
    """, LOOP_TESTS),
    Variant(NB, LOOP, "tensordot_per_position", True, """
        def my_convolution(input_numpy, kernel_numpy):
            B, C, H, W = input_numpy.shape
            O, _, kh, kw = kernel_numpy.shape
            out = np.empty((B, O, H - kh + 1, W - kw + 1))
            for i in range(H - kh + 1):
                for j in range(W - kw + 1):
                    patch = input_numpy[:, :, i:i + kh, j:j + kw]
                    out[:, :, i, j] = np.tensordot(patch, kernel_numpy, axes=([1, 2, 3], [1, 2, 3]))
            return out
    """, LOOP_TESTS),
    Variant(NB, LOOP, "shift_and_add", True, """
        def my_convolution(input_numpy, kernel_numpy):
            B, C, H, W = input_numpy.shape
            O, _, kh, kw = kernel_numpy.shape
            oh, ow = H - kh + 1, W - kw + 1
            out = np.zeros((B, O, oh, ow))
            for p in range(kh):
                for q in range(kw):
                    shifted = input_numpy[:, :, p:p + oh, q:q + ow]
                    out += np.einsum("bchw,oc->bohw", shifted, kernel_numpy[:, :, p, q])
            return out
    """, LOOP_TESTS),
    Variant(NB, LOOP, "im2col_matmul", True, """
        def my_convolution(input_numpy, kernel_numpy):
            B, C, H, W = input_numpy.shape
            O, _, kh, kw = kernel_numpy.shape
            oh, ow = H - kh + 1, W - kw + 1
            cols = np.empty((B, oh, ow, C * kh * kw))
            for i in range(oh):
                for j in range(ow):
                    cols[:, i, j] = input_numpy[:, :, i:i + kh, j:j + kw].reshape(B, -1)
            out = cols @ kernel_numpy.reshape(O, -1).T
            return out.transpose(0, 3, 1, 2)
    """, LOOP_TESTS),
    Variant(NB, LOOP, "scipy_correlate", True, """
        def my_convolution(input_numpy, kernel_numpy):
            from scipy.signal import correlate2d
            B, C, H, W = input_numpy.shape
            O, _, kh, kw = kernel_numpy.shape
            out = np.zeros((B, O, H - kh + 1, W - kw + 1))
            for b in range(B):
                for o in range(O):
                    for c in range(C):
                        out[b, o] += correlate2d(input_numpy[b, c], kernel_numpy[o, c], mode="valid")
            return out
    """, LOOP_TESTS),
    # ------------------------------------------------------------ my_convolution: buggy
    edit(NB, LOOP, "flipped_kernel_true_convolution", False,
         ("kernel_numpy[o])", "kernel_numpy[o, :, ::-1, ::-1])"), tests=LOOP_TESTS),
    edit(NB, LOOP, "off_by_one_output_size", False,
         ("height - kh + 1, width - kw + 1", "height - kh, width - kw"), tests=LOOP_TESTS),
    edit(NB, LOOP, "only_first_channel", False,
         ("input_numpy[b, :, i", "input_numpy[b, 0, i"), ("kernel_numpy[o])", "kernel_numpy[o, 0])"), tests=LOOP_TESTS),
    # sums the window of every image into one number
    edit(NB, LOOP, "sum_also_over_batch", False,
         ("window = input_numpy[b, :,", "window = input_numpy[:, :,"), tests=LOOP_TESTS),
    # pairs filter o with a single input channel
    edit(NB, LOOP, "channels_not_summed_per_filter", False,
         ("input_numpy[b, :, i", "input_numpy[b, o % channels, i"),
         ("kernel_numpy[o])", "kernel_numpy[o, o % channels])"), tests=LOOP_TESTS),
    edit(NB, LOOP, "output_channels_transposed", False,
         ("np.zeros((batch, n_filters,", "np.zeros((n_filters, batch,"), ("output[b, o, i, j]", "output[o, b, i, j]"),
         tests=LOOP_TESTS),
    # height and width read the wrong way round
    edit(NB, LOOP, "kh_kw_swapped", False,
         ("kernel_channels, kh, kw =", "kernel_channels, kw, kh ="),
         ("kernel_numpy[o])", "kernel_numpy[o].reshape(window.shape))"), tests=LOOP_TESTS),
    edit(NB, LOOP, "float32_accumulator", False, ("dtype=np.float64)", "dtype=np.float32)"), tests=LOOP_TESTS),
    Variant(NB, LOOP, "uses_torch_conv2d", False, """
        def my_convolution(input_numpy, kernel_numpy):
            return torch.conv2d(torch.from_numpy(input_numpy), torch.from_numpy(kernel_numpy)).numpy()
    """, LOOP_TESTS),
    Variant(NB, LOOP, "imports_torch_functional", False, """
        def my_convolution(input_numpy, kernel_numpy):
            import torch.nn.functional as F
            import torch as t
            return F.conv2d(t.tensor(input_numpy), t.tensor(kernel_numpy)).numpy()
    """, LOOP_TESTS),
    Variant(NB, LOOP, "calls_provided_torch_helper", False, """
        def my_convolution(input_numpy, kernel_numpy):
            return torch_convolution(input_numpy, kernel_numpy)
    """, LOOP_TESTS),
    # ------------------------------------------------------------ my_convolution_vectorized: correct
    Variant(NB, VEC, "einsum_sliding_window", True, """
        def my_convolution_vectorized(input_numpy, kernel_numpy):
            kh, kw = kernel_numpy.shape[-2:]
            win = np.lib.stride_tricks.sliding_window_view(input_numpy, (kh, kw), axis=(-2, -1))
            return np.einsum("bchwpq,ocpq->bohw", win, kernel_numpy)
    """, VEC_TESTS),
    Variant(NB, VEC, "im2col_matmul", True, """
        def my_convolution_vectorized(input_numpy, kernel_numpy):
            B, C, H, W = input_numpy.shape
            O, _, kh, kw = kernel_numpy.shape
            oh, ow = H - kh + 1, W - kw + 1
            win = np.lib.stride_tricks.sliding_window_view(input_numpy, (kh, kw), axis=(2, 3))
            cols = win.transpose(0, 2, 3, 1, 4, 5).reshape(B * oh * ow, C * kh * kw)
            out = cols @ kernel_numpy.reshape(O, C * kh * kw).T          # (B*oh*ow, O)
            return out.reshape(B, oh, ow, O).transpose(0, 3, 1, 2)
    """, VEC_TESTS),
    Variant(NB, VEC, "as_strided_tensordot", True, """
        def my_convolution_vectorized(input_numpy, kernel_numpy):
            x = np.ascontiguousarray(input_numpy, dtype=np.float64)
            B, C, H, W = x.shape
            O, _, kh, kw = kernel_numpy.shape
            sb, sc, sh, sw = x.strides
            win = np.lib.stride_tricks.as_strided(
                x, shape=(B, H - kh + 1, W - kw + 1, C, kh, kw), strides=(sb, sh, sw, sc, sh, sw), writeable=False)
            out = np.tensordot(win, kernel_numpy, axes=([3, 4, 5], [1, 2, 3]))  # (B, oh, ow, O)
            return np.ascontiguousarray(out.transpose(0, 3, 1, 2))
    """, VEC_TESTS),
    Variant(NB, VEC, "loop_over_kernel_offsets", True, """
        def my_convolution_vectorized(input_numpy, kernel_numpy):
            B, C, H, W = input_numpy.shape
            O, _, kh, kw = kernel_numpy.shape
            oh, ow = H - kh + 1, W - kw + 1
            out = np.zeros((B, O, oh, ow))
            for p in range(kh):
                for q in range(kw):
                    out += np.einsum("bchw,oc->bohw", input_numpy[:, :, p:p + oh, q:q + ow], kernel_numpy[:, :, p, q])
            return out
    """, VEC_TESTS),
    # ------------------------------------------------------------ my_convolution_vectorized: buggy
    edit(NB, VEC, "flipped_kernel", False, ("windows, kernel,", "windows, kernel[:, :, ::-1, ::-1],"), tests=VEC_TESTS),
    edit(NB, VEC, "window_shape_swapped", False,
         ("(kh, kw), axis", "(kw, kh), axis"), ('"bcijpq,ocpq->boij"', '"bcijpq,ocqp->boij"'), tests=VEC_TESTS),
    edit(NB, VEC, "first_channel_only", False,
         ('"bcijpq,ocpq->boij", windows, kernel,', '"bijpq,opq->boij", windows[:, 0], kernel[:, 0],'), tests=VEC_TESTS),
    Variant(NB, VEC, "im2col_column_order_mismatch", False, """
        def my_convolution_vectorized(input_numpy, kernel_numpy):
            B, C, H, W = input_numpy.shape
            O, _, kh, kw = kernel_numpy.shape
            oh, ow = H - kh + 1, W - kw + 1
            win = np.lib.stride_tricks.sliding_window_view(input_numpy, (kh, kw), axis=(2, 3))
            cols = win.transpose(0, 2, 3, 1, 4, 5).reshape(B * oh * ow, C * kh * kw)   # columns (c, p, q)
            weights = kernel_numpy.transpose(0, 2, 3, 1).reshape(O, -1)               # columns (p, q, c)
            return (cols @ weights.T).reshape(B, oh, ow, O).transpose(0, 3, 1, 2)
    """, VEC_TESTS),
    edit(NB, VEC, "output_axes_transposed", False, ("->boij", "->obij"), tests=VEC_TESTS),
    Variant(NB, VEC, "uses_torch_functional", False, """
        def my_convolution_vectorized(input_numpy, kernel_numpy):
            from torch.nn import functional
            return functional.conv2d(torch.as_tensor(input_numpy), torch.as_tensor(kernel_numpy)).numpy()
    """, VEC_TESTS),
    Variant(NB, VEC, "loops_over_pixels_again", False, """
        def my_convolution_vectorized(input_numpy, kernel_numpy):
            return my_convolution(input_numpy, kernel_numpy)
    """, VEC_TESTS),
    Variant(NB, VEC, "einsum_per_pixel_loop", False, """
        def my_convolution_vectorized(input_numpy, kernel_numpy):
            B, C, H, W = input_numpy.shape
            O, _, kh, kw = kernel_numpy.shape
            out = np.zeros((B, O, H - kh + 1, W - kw + 1))
            for i in range(H - kh + 1):
                for j in range(W - kw + 1):
                    out[:, :, i, j] = np.einsum("bcpq,ocpq->bo", input_numpy[:, :, i:i + kh, j:j + kw], kernel_numpy)
            return out
    """, VEC_TESTS),
]
