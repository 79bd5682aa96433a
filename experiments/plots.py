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

# Each engine by colour and line style alike: NumPy a wide pale line, its twin a thin dashed
# one on top, so that where they agree both stay visible.
ENGINE_STYLES = {
    "numpy": dict(color="C0", linestyle="-", linewidth=3.0, alpha=0.5),
    "torch": dict(color="C3", linestyle="--", linewidth=1.4, alpha=1.0),
}
OTHER_STYLE = dict(color="C2", linestyle=":", linewidth=1.6, alpha=1.0)
MAX_MISCLASSIFIED = 10
MAX_COLUMNS = 4  # panels of decision boundaries in a row
SPECTRAL = matplotlib.colormaps["Spectral"]
# The course's flower colours: label 0 red, label 1 blue; regions in paler shades of the same.
CLASS_COLORS = (SPECTRAL(0.05), SPECTRAL(0.95))
TEXT_SIZE = 9  # points, at the saved size (100 dpi): the smallest text of any figure


def engine_style(name, color=None):
    """Line style of an engine's curve (``color`` replaces the engine's own, for sweeps)."""
    style = dict(ENGINE_STYLES.get(name, OTHER_STYLE))
    if color is not None:
        style["color"] = color
    return style


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
        ``{run label: {backend: costs}}``. One run: a colour and a line style per engine.
        Several (a sweep): a colour per run, and the engine's line style (NumPy a wide pale
        line, the twin a thin dashed one on top), with one legend for each.
    title : str
    """
    from matplotlib.lines import Line2D

    sweep = len(curves) > 1
    fig, ((ax,),) = _figure(figsize=(8.5, 4.5) if sweep else (7, 4.5))
    colors = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]
    engines = []
    for index, (label, backends) in enumerate(curves.items()):
        color = colors[index % len(colors)] if sweep else None
        for backend, costs in backends.items():
            if backend not in engines:
                engines.append(backend)
            ax.plot(np.arange(len(costs)), costs, label=label if sweep else backend,
                    **engine_style(backend, color))
    ax.set_xlabel("iteration")
    ax.set_ylabel("cost J")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    if not sweep:
        ax.legend(fontsize=TEXT_SIZE)
        fig.tight_layout()
        return fig
    runs = [Line2D([], [], color=colors[i % len(colors)], linewidth=2, label=label)
            for i, label in enumerate(curves)]
    styles = [Line2D([], [], label=name, **engine_style(name, "black")) for name in engines]
    # Beside the axes, so that no legend hides a curve.
    first = ax.legend(handles=runs, fontsize=TEXT_SIZE, loc="upper left",
                      bbox_to_anchor=(1.02, 1), title="run", title_fontsize=TEXT_SIZE)
    ax.add_artist(first)
    if len(styles) > 1:
        ax.legend(handles=styles, fontsize=TEXT_SIZE, loc="lower left", bbox_to_anchor=(1.02, 0),
                  title="engine", title_fontsize=TEXT_SIZE)
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
    from experiments.report import parting

    fig, ((ax,),) = _figure()
    ax.semilogy(np.arange(n), np.maximum(diff, floor), ".", markersize=2.5,
                label="|dJ| per iteration")
    ax.axhline(floor, color="gray", linestyle="--", linewidth=0.8, label="equal (0)")
    info = parting(a[:n], b[:n])
    if info is not None and info["at"] is not None:
        ax.axvline(info["at"], color="C3", linestyle=":", linewidth=1.2,
                   label=f"they part: iteration {info['at']}")
    ax.legend(fontsize=TEXT_SIZE, loc="best")
    ax.set_xlabel("iteration")
    ax.set_ylabel(f"|J_{labels[0]} - J_{labels[1]}|")
    ax.set_title(title)
    ax.grid(alpha=0.3, which="both")
    fig.tight_layout()
    return fig


def cost_differences(runs, title):
    """:func:`cost_difference` of several runs on one log axis, a colour per run.

    Parameters
    ----------
    runs : dict
        ``{label: (costs_numpy, costs_torch)}``.
    title : str
    """
    gaps = {}
    for label, (costs_a, costs_b) in runs.items():
        a = np.asarray(costs_a, dtype=np.float64)
        b = np.asarray(costs_b, dtype=np.float64)
        n = min(a.size, b.size)
        gaps[label] = np.abs(a[:n] - b[:n])
    positive = np.concatenate([gap[gap > 0] for gap in gaps.values()] or [np.empty(0)])
    floor = positive.min() / 10 if positive.size else np.finfo(np.float64).eps / 10
    fig, ((ax,),) = _figure()
    for label, gap in gaps.items():
        ax.semilogy(np.arange(gap.size), np.maximum(gap, floor), ".", markersize=2.5,
                    label=label)
    ax.axhline(floor, color="gray", linestyle="--", linewidth=0.8, label="equal (0)")
    ax.set_xlabel("iteration")
    ax.set_ylabel("|J_numpy - J_torch|")
    ax.set_title(title)
    ax.grid(alpha=0.3, which="both")
    ax.legend(fontsize=TEXT_SIZE, markerscale=3)
    fig.tight_layout()
    return fig


def _mesh(X, steps=300):
    """A grid covering the points X (2, m) with a margin of 1."""
    x_min, x_max = X[0].min() - 1, X[0].max() + 1
    y_min, y_max = X[1].min() - 1, X[1].max() + 1
    xx, yy = np.meshgrid(np.linspace(x_min, x_max, steps), np.linspace(y_min, y_max, steps))
    return xx, yy, np.stack([xx.ravel(), yy.ravel()]).astype(X.dtype)


def decision_boundaries(X, Y, predictors, title):
    """The course's ``plot_decision_boundary``: a panel per distinct boundary, a class legend.

    Parameters
    ----------
    X : ndarray, shape (2, m)
    Y : ndarray, shape (1, m)
    predictors : dict
        ``{name: predict}`` with ``predict(X (2, k)) -> probabilities (1, k)``. Predictors
        that draw the same boundary on every point of the grid (the two engines, as a rule)
        share one panel, titled with both names.
    title : str
    """
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    xx, yy, grid = _mesh(X)
    panels = []  # [(names, Z)]
    for name, predict in predictors.items():
        Z = (np.asarray(predict(grid)) > 0.5).reshape(xx.shape)
        for names, other in panels:
            if np.array_equal(Z, other):
                names.append(name)
                break
        else:
            panels.append(([name], Z))
    columns = min(len(panels), MAX_COLUMNS)
    rows = -(-len(panels) // columns)
    fig, axes = _figure(rows, columns, figsize=(5 * columns, 4.6 * rows + 0.6))
    for ax in axes.ravel()[len(panels):]:
        ax.axis("off")
    regions = ListedColormap([_pale(color) for color in CLASS_COLORS])
    for ax, (names, Z) in zip(axes.ravel(), panels):
        ax.contourf(xx, yy, Z.astype(np.float64), levels=[-0.5, 0.5, 1.5], cmap=regions)
        _class_points(ax, X, Y)
        ax.set_title(" = ".join(names) + (" (the same boundary)" if len(names) > 1 else ""),
                     fontsize=TEXT_SIZE + 1)
    handles = _class_handles()
    handles += [Patch(facecolor=_pale(CLASS_COLORS[k]), edgecolor="gray",
                      label=f"predicted {k}") for k in (0, 1)]
    fig.legend(handles=handles, loc="lower center", ncol=4, fontsize=TEXT_SIZE,
               frameon=False)
    fig.suptitle(title)
    fig.tight_layout(rect=(0, 0.6 / (4.6 * rows + 0.6), 1, 1))
    return fig


def class_points(X, Y, title):
    """The points X (2, m) in the colours of their labels Y (1, m), with a class legend."""
    fig, ((ax,),) = _figure(figsize=(5.5, 4.5))
    _class_points(ax, X, Y)
    ax.legend(handles=_class_handles(), fontsize=TEXT_SIZE)
    ax.set_title(title)
    fig.tight_layout()
    return fig


def _class_points(ax, X, Y):
    from matplotlib.colors import ListedColormap

    ax.scatter(X[0], X[1], c=Y.ravel(), s=12, cmap=ListedColormap(CLASS_COLORS), vmin=0, vmax=1,
               edgecolors="k", linewidths=0.3)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")


def _class_handles():
    from matplotlib.lines import Line2D

    return [Line2D([], [], marker="o", linestyle="", markerfacecolor=CLASS_COLORS[k],
                   markeredgecolor="k", markeredgewidth=0.3, label=f"y = {k}") for k in (0, 1)]


def _pale(color, amount=0.55):
    """``color`` mixed with white: the region colour of a class."""
    rgb = np.asarray(matplotlib.colors.to_rgb(color))
    return tuple(rgb + (1 - rgb) * amount)


def misclassified_images(X, Y, predictions, image_shape, classes, title):
    """The course's ``print_mislabeled_images``: a row of wrong test images per engine.

    Parameters
    ----------
    X : ndarray, shape (n_x, m)
        Flattened images, pixels in [0, 1].
    Y : ndarray, shape (1, m)
    predictions : dict
        ``{backend: predicted 0/1 of shape (1, m)}``. Engines that predict the same on every
        image share one row, named after both.
    image_shape : tuple
        (64, 64, 3) for the cat images, (8, 8) for digits.
    classes : list of str
    title : str
    """
    rows = []  # [(names, predicted)]
    for name, p in predictions.items():
        p = np.asarray(p).ravel()
        for names, other in rows:
            if np.array_equal(p, other):
                names.append(name)
                break
        else:
            rows.append(([name], p))
    wrong = [np.flatnonzero(p != Y.ravel())[:MAX_MISCLASSIFIED] for _, p in rows]
    columns = max(1, max((len(idx) for idx in wrong), default=1))
    fig, axes = _figure(len(rows), columns, figsize=(1.9 * columns + 0.6, 2.6 * len(rows) + 0.5))
    for axes_row, (names, predicted), indices in zip(axes, rows, wrong):
        for ax in axes_row:
            ax.axis("off")
        label = " = ".join(names)
        axes_row[0].text(-0.12, 0.5, label, transform=axes_row[0].transAxes, rotation=90,
                         ha="right", va="center", fontsize=TEXT_SIZE + 1)
        if len(indices) == 0:
            axes_row[0].set_title(f"{label}: none wrong", fontsize=TEXT_SIZE, loc="left")
        for ax, i in zip(axes_row, indices):
            image = X[:, i].reshape(image_shape)
            ax.imshow(image, cmap=None if image.ndim == 3 else "gray_r", interpolation="nearest")
            ax.set_title(f"#{i}: {classes[int(Y[0, i])]}\npredicted {classes[int(predicted[i])]}",
                         fontsize=TEXT_SIZE)
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
        ax.plot(grid[0], np.asarray(predict(grid)).ravel(), label=name, **engine_style(name))
    ax.set_xlabel("size (1000 sq ft)")
    ax.set_ylabel("price (100k)")
    ax.set_title(title)
    ax.legend(fontsize=TEXT_SIZE)
    fig.tight_layout()
    return fig


def render(fig):
    """Draw ``fig`` once; returns its pixels, (height, width, 3) uint8."""
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[..., :3].copy()


def save_pixels(pixels, path):
    """Write rendered pixels as a PNG file (the figure is drawn only once for file and log)."""
    matplotlib.image.imsave(path, pixels)
