"""TensorBoard on the NumPy side, in the same shape as Lightning's logger writes.

Both backends use the tags ``train/cost``, ``train/accuracy`` (per logged
iteration), ``test/accuracy`` (once, after training) and the ``final/...``
metrics of the HPARAMS tab, each backend in its own folder (``.../numpy``,
``.../torch``), so ``tensorboard --logdir RUN`` overlays them. The writer is
PyTorch's ``SummaryWriter``; Lightning's ``TensorBoardLogger`` wraps the same
class, which keeps the event files alike.
"""

import json
import math

from scratch.models import classification_accuracy

TRAIN_COST = "train/cost"
TRAIN_ACCURACY = "train/accuracy"
TEST_ACCURACY = "test/accuracy"


def open_writer(log_dir):
    """A ``SummaryWriter`` writing event files into ``log_dir`` (torch imported only here)."""
    from torch.utils.tensorboard import SummaryWriter

    return SummaryWriter(log_dir=str(log_dir))


def should_log(step, log_every):
    """Lightning's rule for a ``log_every_n_steps`` of n: log the steps with (step + 1) % n == 0."""
    return (step + 1) % log_every == 0


class ScalarPoints:
    """The logged iterations' ``train/cost`` (and ``train/accuracy``), written in bulk.

    Training adds a point per logged iteration (a few microseconds); :meth:`write`
    turns the points gathered so far into one TensorBoard event each, holding both
    values, at a checkpoint or at the end, so the event file never waits on the loop.

    Parameters
    ----------
    classify : bool
        Whether to log the accuracy too.
    """

    def __init__(self, classify):
        self.classify = classify
        self.points = []

    def add(self, iteration, cost, AL, Y):
        """Record iteration ``iteration``: its cost, and the accuracy of AL (n_y, m) against Y."""
        accuracy = classification_accuracy(AL, Y) if self.classify else None
        self.points.append((iteration, float(cost), accuracy))

    def write(self, writer):
        """Write the gathered points into ``writer`` (a ``SummaryWriter``) and forget them."""
        from tensorboard.compat.proto.summary_pb2 import Summary

        file_writer = writer._get_file_writer()
        for iteration, cost, accuracy in self.points:
            values = [Summary.Value(tag=TRAIN_COST, simple_value=cost)]
            if accuracy is not None:
                values.append(Summary.Value(tag=TRAIN_ACCURACY, simple_value=accuracy))
            file_writer.add_summary(Summary(value=values), iteration)
        self.points.clear()


def tensorboard_hparams(params):
    """Flatten hyperparameters to the scalar types the HPARAMS tab accepts.

    Lists (layer sizes) become their JSON text, None becomes "None"; numbers,
    strings and booleans pass through.
    """
    clean = {}
    for key, value in params.items():
        if isinstance(value, (bool, int, float, str)):
            clean[key] = value
        elif value is None:
            clean[key] = "None"
        else:
            clean[key] = json.dumps(value)
    return clean


def final_metrics(result):
    """The ``final/...`` metrics of one backend's result (only those that exist)."""
    metrics = {
        "final/cost": result["costs"][-1] if result["costs"] else None,
        "final/train_accuracy": result.get("train_accuracy"),
        "final/test_accuracy": result.get("test_accuracy"),
        "final/seconds": result.get("seconds"),
    }
    return {
        key: float(value)
        for key, value in metrics.items()
        if value is not None and math.isfinite(value)
    }


def log_hparams(writer, params, metrics, step=None):
    """Write one HPARAMS session with real metrics into ``writer``'s folder.

    The same three summaries as Lightning's ``TensorBoardLogger.log_hyperparams``
    (experiment, session start, session end), plus each metric as a scalar at
    ``step``, so that the HPARAMS tab shows the NumPy and the torch run side by side.
    """
    from torch.utils.tensorboard.summary import hparams

    params = tensorboard_hparams(params)
    for tag, value in metrics.items():
        writer.add_scalar(tag, value, step)
    experiment, session_start, session_end = hparams(params, metrics)
    file_writer = writer._get_file_writer()
    for summary in (experiment, session_start, session_end):
        file_writer.add_summary(summary)
    writer.flush()
