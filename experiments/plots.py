"""Figures of a run: cost curves, decision boundaries, misclassified images, fitted curves.

Every function returns a matplotlib ``Figure`` drawn by the Agg canvas (no
display needed, and pyplot's global state untouched); the runner saves it as
PNG in the run folder and logs it to TensorBoard.
Predictors are callables ``X (n_x, m) -> AL (1, m)`` so one function draws
the NumPy model and its twin alike.
"""

import matplotlib
import matplotlib.image
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

BACKEND_STYLES = {"numpy": "-", "torch": "--"}
MAX_MISCLASSIFIED = 10
SPECTRAL = matplotlib.colormaps["Spectral"]


def _figure(rows=1, columns=1, figsize=(7, 4.5)):
    """A figure on an Agg canvas and its axes, always as a 2-D array."""
    fig = Figure(figsize=figsize)
    FigureCanvasAgg(fig)
    return fig, fig.subplots(rows, columns, squeeze=False)


def cost_curves(curves, title):
    """Cost per iteration of every (run, backend), the two backends overlaid.

    Parameters
    ----------
    curves : dict
        ``{run label: {backend: costs}}``; solid lines for NumPy, dashed for torch.
    title : str
    """
    fig, ((ax,),) = _figure()
    colors = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]
    for index, (label, backends) in enumerate(curves.items()):
        color = colors[index % len(colors)]
        for backend, costs in backends.items():
            name = backend if len(curves) == 1 else f"{label} ({backend})"
            ax.plot(np.arange(len(costs)), costs, BACKEND_STYLES.get(backend, ":"),
                    color=color, label=name, linewidth=1.2)
    ax.set_xlabel("iteration")
    ax.set_ylabel("cost J")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    fig.tight_layout()
    return fig


def cost_difference(costs_a, costs_b, title, labels=("numpy", "torch")):
    """|J_a - J_b| per iteration on a log scale: where two engines part, and by how much.

    Parameters
    ----------
    costs_a, costs_b : sequence of float
        The two backends' costs, one per iteration; compared over the iterations both ran.
    title : str
    labels : (str, str)
        Names of the two backends, for the axis label.

    One dot per iteration. Exact zeros (identical costs) are drawn on a dashed floor a decade
    below the smallest nonzero difference, so the log axis shows them instead of dropping
    them, without stretching down to 1e-308.
    """
    a = np.asarray(costs_a, dtype=np.float64)
    b = np.asarray(costs_b, dtype=np.float64)
    n = min(a.size, b.size)
    diff = np.abs(a[:n] - b[:n])
    positive = diff[diff > 0]
    floor = positive.min() / 10 if positive.size else np.finfo(np.float64).eps / 10
    fig, ((ax,),) = _figure()
    ax.semilogy(np.arange(n), np.maximum(diff, floor), ".", markersize=2.5)
    ax.axhline(floor, color="gray", linestyle="--", linewidth=0.8, label="equal (0)")
    ax.legend(fontsize="small", loc="best")
    ax.set_xlabel("iteration")
    ax.set_ylabel(f"|J_{labels[0]} - J_{labels[1]}|")
    ax.set_title(title)
    ax.grid(alpha=0.3, which="both")
    fig.tight_layout()
    return fig


def _mesh(X, steps=300):
    """A grid covering the points X (2, m) with a margin of 1."""
    x_min, x_max = X[0].min() - 1, X[0].max() + 1
    y_min, y_max = X[1].min() - 1, X[1].max() + 1
    xx, yy = np.meshgrid(np.linspace(x_min, x_max, steps), np.linspace(y_min, y_max, steps))
    return xx, yy, np.stack([xx.ravel(), yy.ravel()]).astype(X.dtype)


def decision_boundaries(X, Y, predictors, title):
    """The course's ``plot_decision_boundary``, one panel per backend.

    Parameters
    ----------
    X : ndarray, shape (2, m)
    Y : ndarray, shape (1, m)
    predictors : dict
        ``{name: predict}`` with ``predict(X (2, k)) -> probabilities (1, k)``.
    title : str
    """
    xx, yy, grid = _mesh(X)
    fig, axes = _figure(1, len(predictors), figsize=(5 * len(predictors), 4.5))
    for ax, (name, predict) in zip(axes[0], predictors.items()):
        Z = (np.asarray(predict(grid)) > 0.5).reshape(xx.shape)
        ax.contourf(xx, yy, Z, cmap=SPECTRAL, alpha=0.8)
        ax.scatter(X[0], X[1], c=Y.ravel(), s=12, cmap=SPECTRAL, edgecolors="k",
                   linewidths=0.3)
        ax.set_title(name)
        ax.set_xlabel("$x_1$")
        ax.set_ylabel("$x_2$")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def misclassified_images(X, Y, predictions, image_shape, classes, title):
    """The course's ``print_mislabeled_images``: one row of wrong test images per backend.

    Parameters
    ----------
    X : ndarray, shape (n_x, m)
        Flattened images, pixels in [0, 1].
    Y : ndarray, shape (1, m)
    predictions : dict
        ``{backend: predicted 0/1 of shape (1, m)}``.
    image_shape : tuple
        (64, 64, 3) for the cat images, (8, 8) for digits.
    classes : list of str
    title : str
    """
    wrong = {name: np.flatnonzero(np.asarray(p).ravel() != Y.ravel())[:MAX_MISCLASSIFIED]
             for name, p in predictions.items()}
    columns = max(1, max((len(idx) for idx in wrong.values()), default=1))
    fig, axes = _figure(len(predictions), columns, figsize=(1.6 * columns, 2.4 * len(wrong)))
    for row, (name, indices) in zip(axes, wrong.items()):
        for ax in row:
            ax.axis("off")
        if len(indices) == 0:
            row[0].set_title(f"{name}: none wrong", fontsize="small", loc="left")
        for ax, i in zip(row, indices):
            image = X[:, i].reshape(image_shape)
            ax.imshow(image, cmap=None if image.ndim == 3 else "gray_r", interpolation="nearest")
            predicted = int(np.asarray(predictions[name]).ravel()[i])
            ax.set_title(f"{name} #{i}\npred {classes[predicted]}\ntrue {classes[int(Y[0, i])]}",
                         fontsize=6)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def regression_fit(X, Y, predictors, title):
    """Data points and each backend's fitted curve, for one input feature.

    Parameters
    ----------
    X : ndarray, shape (1, m)
    Y : ndarray, shape (1, m)
    predictors : dict
        ``{name: predict}`` with ``predict(X (1, k)) -> values (1, k)``.
    title : str
    """
    fig, ((ax,),) = _figure(figsize=(6, 4.5))
    ax.scatter(X[0], Y[0], s=10, color="gray", label="data")
    grid = np.linspace(X.min(), X.max(), 200).reshape(1, -1).astype(X.dtype)
    for name, predict in predictors.items():
        ax.plot(grid[0], np.asarray(predict(grid)).ravel(), BACKEND_STYLES.get(name, "-"),
                label=name)
    ax.set_xlabel("size (1000 sq ft)")
    ax.set_ylabel("price (100k)")
    ax.set_title(title)
    ax.legend(fontsize="small")
    fig.tight_layout()
    return fig


def render(fig):
    """Draw ``fig`` once; returns its pixels, (height, width, 3) uint8."""
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()


def save_pixels(pixels, path):
    """Write rendered pixels as a PNG file (the figure is drawn only once for file and log)."""
    matplotlib.image.imsave(path, pixels)
