"""TensorBoard on the NumPy side, in the same shape as Lightning's logger writes.

Both backends use the tags ``train/cost``, ``train/accuracy`` (per logged
iteration), ``test/accuracy`` (once, after training) and the ``final/...``
metrics of the HPARAMS tab, each backend in its own folder (``.../numpy``,
``.../torch``), so ``tensorboard --logdir RUN`` overlays them.

Scalars are gathered in memory while training (:class:`ScalarBuffer`, a few
microseconds a point) and written in bulk (:class:`EventFile`): the event
records of a whole batch of points are encoded and checksummed at once with
NumPy, instead of one ``SummaryWriter.add_scalar`` call per point, whose
record checksum tensorboard computes byte by byte in Python (about 140 us a
point, the cost of a whole iteration of the small models). The files are
TensorBoard's own format (``events.out.tfevents.*``: length, masked CRC-32C,
an ``Event`` protocol buffer, masked CRC-32C), read by TensorBoard and its
``EventAccumulator`` like any other.
"""

import json
import math
import os
import socket
import struct
import time
from pathlib import Path

import numpy as np

TRAIN_COST = "train/cost"
TRAIN_ACCURACY = "train/accuracy"
TEST_ACCURACY = "test/accuracy"
FILE_VERSION = b"brain.Event:2"


def write_images(log_dir, images, step):
    """Images into a new event file of ``log_dir`` at ``step``, as ``SummaryWriter.add_image``
    writes them (PNG, without torch).

    Parameters
    ----------
    log_dir : str or Path
    images : list of (str, ndarray)
        Tag and pixels, (height, width, channels) uint8.
    step : int
    """
    import io

    from PIL import Image
    from tensorboard.compat.proto.summary_pb2 import Summary

    events = EventFile(log_dir)
    try:
        for tag, pixels in images:
            height, width, channels = pixels.shape
            buffer = io.BytesIO()
            Image.fromarray(np.ascontiguousarray(pixels, dtype=np.uint8)).save(buffer,
                                                                               format="PNG")
            image = Summary.Image(height=height, width=width, colorspace=channels,
                                  encoded_image_string=buffer.getvalue())
            events.write_summary(Summary(value=[Summary.Value(tag=tag, image=image)]), step)
    finally:
        events.close()


# -- the record format --------------------------------------------------------------------------
def _crc32c_table():
    table = np.arange(256, dtype=np.uint32)
    for _ in range(8):
        table = np.where(table & 1, (table >> 1) ^ np.uint32(0x82F63B78), table >> 1)
    return table.astype(np.uint32)


_CRC_TABLE = _crc32c_table()


# Rows of one record longer than this are cut into pieces checksummed side by side.
LONG_ROW = 256
_BITS = np.arange(32, dtype=np.uint32)


def _crc_register(rows, crc):
    """The CRC-32C register after feeding each row of ``rows`` (N, L) uint8 from ``crc`` (N,)."""
    columns = np.ascontiguousarray(np.asarray(rows, dtype=np.uint8).T, dtype=np.uint32)
    for column in columns:
        crc = _CRC_TABLE[(crc ^ column) & 0xFF] ^ (crc >> 8)
    return crc


def _crc32c_long(row):
    """CRC-32C of one long uint8 row (length >= 4), with about 3 sqrt(L) NumPy operations.

    The register without its initial value is linear in the bytes: cut the row (its first
    four bytes complemented, which is what the initial 0xFFFFFFFF does, and zeros put in
    front, which change nothing from a zero register) into K pieces of c bytes, take each
    piece's register from zero side by side, and combine them as r = Z(r) ^ r_k, where Z
    (feeding c zero bytes) is a 32 x 32 matrix over GF(2) given by its action on each bit.
    """
    length = row.size
    piece = int(np.ceil(np.sqrt(length)))
    pieces = -(-length // piece)
    padded = np.zeros(pieces * piece, dtype=np.uint8)
    padded[padded.size - length:] = row
    padded[padded.size - length:padded.size - length + 4] ^= 0xFF
    registers = _crc_register(padded.reshape(pieces, piece), np.zeros(pieces, dtype=np.uint32))
    shift = _crc_register(np.zeros((32, piece), dtype=np.uint8), np.uint32(1) << _BITS)
    crc = np.uint32(0)
    for register in registers:
        crc = np.bitwise_xor.reduce(shift[((crc >> _BITS) & 1).astype(bool)],
                                    initial=np.uint32(0)) ^ register
    return np.uint32(crc ^ np.uint32(0xFFFFFFFF))


def masked_crc32c_rows(rows):
    """TFRecord's masked CRC-32C of every row of ``rows`` (N, L) uint8, as uint32 (N,).

    One pass over the L columns for all N rows at once (table-driven CRC-32C,
    Castagnoli polynomial; a single long row is cut into pieces, :func:`_crc32c_long`),
    then TFRecord's mask: ``((crc >> 15) | (crc << 17)) + 0xA282EAD8``.
    """
    rows = np.asarray(rows, dtype=np.uint8)
    if rows.shape[0] == 1 and rows.shape[1] > LONG_ROW:
        crc = np.array([_crc32c_long(rows[0])], dtype=np.uint32)
    else:
        crc = _crc_register(rows, np.full(rows.shape[0], 0xFFFFFFFF, dtype=np.uint32))
        crc ^= np.uint32(0xFFFFFFFF)
    return ((crc >> 15) | (crc << 17)) + np.uint32(0xA282EAD8)


def _varint(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def _varint_lengths(values):
    """Bytes of the protobuf varint of each non-negative int64 in ``values``."""
    lengths = np.ones(len(values), dtype=np.int64)
    for k in range(1, 10):
        lengths += values >= (1 << (7 * k))
    return lengths


def _records(rows):
    """TFRecords of equal-length payloads ``rows`` (N, L) uint8, as one bytes object."""
    n, length = rows.shape
    header = np.frombuffer(struct.pack("<Q", length), dtype=np.uint8)
    records = np.empty((n, 12 + length + 4), dtype=np.uint8)
    records[:, :8] = header
    records[:, 8:12] = masked_crc32c_rows(header[None, :]).astype("<u4").view(np.uint8)
    records[:, 12:12 + length] = rows
    records[:, 12 + length:] = masked_crc32c_rows(rows).astype("<u4").view(np.uint8).reshape(n, 4)
    return records.tobytes()


def _scalar_summary(tags):
    """The bytes of a ``Summary`` of one ``simple_value`` per tag, and each value's offset."""
    summary, offsets = bytearray(), []
    for tag in tags:
        name = tag.encode()
        value = b"\x0a" + _varint(len(name)) + name + b"\x15"  # tag = 1, simple_value = 2
        summary += b"\x0a" + _varint(len(value) + 4) + value  # Summary.value = 1
        offsets.append(len(summary))
        summary += b"\0\0\0\0"
    return bytes(summary), offsets


def scalar_event_records(steps, wall_times, tags, values):
    """TFRecords of one ``Event`` per point, each holding a ``simple_value`` per tag.

    Parameters
    ----------
    steps : array of int, shape (N,)
        Non-negative steps.
    wall_times : array of float, shape (N,)
        Seconds since the epoch at which each point was taken.
    tags : sequence of str, length T
    values : array, shape (N, T)
        Stored as float32, as TensorBoard stores every scalar.

    Returns
    -------
    bytes
        The records, in the order of the points.
    """
    steps = np.asarray(steps, dtype=np.int64)
    wall_times = np.ascontiguousarray(wall_times, dtype="<f8")
    values = np.ascontiguousarray(values, dtype="<f4").reshape(len(steps), len(tags))
    if steps.size and steps.min() < 0:
        raise ValueError(f"steps must be non-negative, got {int(steps.min())}")
    summary, offsets = _scalar_summary(tags)
    summary_header = b"\x2a" + _varint(len(summary))  # Event.summary = 5
    lengths = _varint_lengths(steps)
    out = []
    # Points whose steps take as many varint bytes make records of one length: one block each.
    bounds = [0, *(np.flatnonzero(np.diff(lengths)) + 1).tolist(), len(steps)]
    for start, stop in zip(bounds[:-1], bounds[1:]):
        if start == stop:
            continue
        k = int(lengths[start])
        block_steps = steps[start:stop]
        # Event: wall_time = 1 (double), step = 2 (varint), summary = 5 (message)
        rows = np.empty((stop - start, 1 + 8 + 1 + k + len(summary_header) + len(summary)),
                        dtype=np.uint8)
        rows[:, 0] = 0x09
        rows[:, 1:9] = wall_times[start:stop].view(np.uint8).reshape(-1, 8)
        rows[:, 9] = 0x10
        for i in range(k):
            byte = (block_steps >> (7 * i)) & 0x7F
            rows[:, 10 + i] = byte | 0x80 if i < k - 1 else byte
        base = 10 + k + len(summary_header)
        rows[:, 10 + k:] = np.frombuffer(summary_header + summary, dtype=np.uint8)
        value_bytes = values[start:stop].view(np.uint8).reshape(-1, len(tags), 4)
        for t, offset in enumerate(offsets):
            rows[:, base + offset:base + offset + 4] = value_bytes[:, t]
        out.append(_records(rows))
    return b"".join(out)


def _event_record(payload_fields):
    payload = np.frombuffer(payload_fields, dtype=np.uint8)
    return _records(payload[None, :])


class EventFile:
    """One TensorBoard event file of a folder, opened at its first write.

    Parameters
    ----------
    log_dir : str or Path
        The folder (made when needed). The file is named as TensorBoard's
        writers name theirs, with a ``.scalars`` suffix of its own.
    """

    _opened = 0

    def __init__(self, log_dir):
        self.log_dir = Path(log_dir)
        self.path = None
        self._handle = None

    def _file(self):
        if self._handle is None:
            self.log_dir.mkdir(parents=True, exist_ok=True)
            EventFile._opened += 1
            self.path = self.log_dir / (f"events.out.tfevents.{int(time.time()):010d}."
                                        f"{socket.gethostname()}.{os.getpid()}."
                                        f"{EventFile._opened}.scalars")
            self._handle = open(self.path, "ab")
            wall = struct.pack("<d", time.time())
            # Event: wall_time = 1, file_version = 3
            self._handle.write(_event_record(b"\x09" + wall + b"\x1a"
                                             + _varint(len(FILE_VERSION)) + FILE_VERSION))
        return self._handle

    def write_scalars(self, steps, wall_times, tags, values):
        """Write one event per point (see :func:`scalar_event_records`) and flush."""
        if len(steps) == 0:
            return
        handle = self._file()
        handle.write(scalar_event_records(steps, wall_times, tags, values))
        handle.flush()

    def write_summary(self, summary, step=None):
        """Write one ``Summary`` protocol buffer (e.g. of the HPARAMS tab) at ``step``."""
        fields = b"\x09" + struct.pack("<d", time.time())
        if step:
            fields += b"\x10" + _varint(int(step))
        data = summary.SerializeToString()
        handle = self._file()
        handle.write(_event_record(fields + b"\x2a" + _varint(len(data)) + data))
        handle.flush()

    def close(self):
        if self._handle is not None:
            self._handle.close()
            self._handle = None


# -- points gathered while training ---------------------------------------------------------------
class ScalarBuffer:
    """Points of a fixed set of tags, kept in memory and written in bulk.

    Parameters
    ----------
    tags : sequence of str
        The tags of every point, e.g. ("train/cost", "train/accuracy").
    """

    def __init__(self, tags):
        self.tags = tuple(tags)
        self.steps, self.times, self.values = [], [], []

    def __len__(self):
        return len(self.steps)

    def add(self, step, *values):
        """One point at ``step``: a value per tag, in the order of ``tags``."""
        self.steps.append(step)
        self.times.append(time.time())
        self.values.append(values)

    def write(self, events):
        """Write the gathered points into ``events`` (an :class:`EventFile`) and forget them."""
        if not self.steps:
            return
        events.write_scalars(self.steps, self.times, self.tags,
                             np.array(self.values, dtype=np.float64))
        self.steps, self.times, self.values = [], [], []


class ScalarPoints:
    """The logged iterations' ``train/cost`` (and ``train/accuracy``) of the NumPy backend.

    A point costs a few list appends: the outputs A[L] of the logged iterations
    are kept (by reference: each iteration makes a new one) and their accuracies
    counted all at once, when the points are written or when the outputs held
    pass :attr:`MAX_HELD_BYTES`.

    Parameters
    ----------
    classify : bool
        Whether to log the accuracy too.
    """

    MAX_HELD_BYTES = 16 * 2**20

    def __init__(self, classify):
        self.classify = classify
        self.tags = (TRAIN_COST, TRAIN_ACCURACY) if classify else (TRAIN_COST,)
        self.steps, self.times, self.costs, self.accuracies = [], [], [], []
        self._outputs, self._held, self._Y = [], 0, None

    def __len__(self):
        return len(self.steps)

    def add(self, iteration, cost, AL, Y):
        """Record iteration ``iteration``: its cost, and the accuracy of AL (n_y, m) against Y.

        The accuracy is that of ``scratch.models.classification_accuracy``: the
        fraction of (AL > 0.5) == Y. ``AL`` must not be changed afterwards.
        """
        self.steps.append(iteration)
        self.times.append(time.time())
        self.costs.append(cost)
        if self.classify:
            self._outputs.append(AL)
            self._Y = Y
            self._held += AL.nbytes
            if self._held > self.MAX_HELD_BYTES:
                self._count()

    def _count(self):
        """Turn the outputs held into accuracies, all at once."""
        if self._outputs:
            Y = self._Y
            right = np.count_nonzero((np.stack(self._outputs) > 0.5) == Y, axis=(1, 2))
            self.accuracies.extend((right / Y.size).tolist())
            self._outputs, self._held = [], 0

    def write(self, events):
        """Write the gathered points into ``events`` (an :class:`EventFile`) and forget them."""
        if not self.steps:
            return
        self._count()
        values = [self.costs, self.accuracies] if self.classify else [self.costs]
        events.write_scalars(self.steps, self.times, self.tags,
                             np.array(values, dtype=np.float64).T)
        self.steps, self.times, self.costs, self.accuracies = [], [], [], []


# -- the HPARAMS tab ------------------------------------------------------------------------------
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


def log_hparams(events, params, metrics, step=None):
    """Write one HPARAMS session with real metrics into ``events`` (an :class:`EventFile`).

    Each metric as a scalar at ``step``, then the session's start (its hyperparameters)
    and end. Unlike Lightning's ``TensorBoardLogger.log_hyperparams``, no experiment
    summary: TensorBoard takes the first one it finds as the whole table's columns, so in
    ``--logdir runs`` a run without test metrics would hide every other run's. Without
    one it builds the table from every session: each hyperparameter and metric that any
    run has, those that differ between runs (the swept setting) first.
    """
    params = tensorboard_hparams(params)
    if metrics:
        events.write_scalars([step or 0], [time.time()], list(metrics),
                             np.array([list(metrics.values())]))
    _, session_start, session_end = hparams_summaries(params, metrics)
    events.write_summary(session_start)
    events.write_summary(session_end)


def hparams_summaries(params, metrics):
    """The three ``Summary`` protocol buffers of the HPARAMS tab (experiment, session start,
    session end), as ``torch.utils.tensorboard.summary.hparams`` makes them, without torch.

    Parameters
    ----------
    params : dict
        Hyperparameters already flattened by :func:`tensorboard_hparams`.
    metrics : dict
        The metrics' tags (their values go in as scalars).
    """
    from tensorboard.compat.proto.summary_pb2 import Summary, SummaryMetadata
    from tensorboard.plugins.hparams import api_pb2, metadata, plugin_data_pb2

    start = plugin_data_pb2.SessionStartInfo()
    infos = []
    for name, value in params.items():
        if value is None:
            continue
        if isinstance(value, (int, float)):  # booleans too, as torch's writer has it
            start.hparams[name].number_value = value
            kind = "DATA_TYPE_FLOAT64"
        elif isinstance(value, str):
            start.hparams[name].string_value = value
            kind = "DATA_TYPE_STRING"
        else:
            raise ValueError(f"hyperparameter {name}: expected a number or a string, "
                             f"got {type(value).__name__}")
        infos.append(api_pb2.HParamInfo(name=name, type=api_pb2.DataType.Value(kind)))
    experiment = api_pb2.Experiment(
        hparam_infos=infos,
        metric_infos=[api_pb2.MetricInfo(name=api_pb2.MetricName(tag=tag)) for tag in metrics])
    end = plugin_data_pb2.SessionEndInfo(status=api_pb2.Status.Value("STATUS_SUCCESS"))

    def summary(tag, **content):
        data = plugin_data_pb2.HParamsPluginData(version=metadata.PLUGIN_DATA_VERSION,
                                                 **content)
        meta = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(
            plugin_name=metadata.PLUGIN_NAME, content=data.SerializeToString()))
        return Summary(value=[Summary.Value(tag=tag, metadata=meta)])

    return [summary(metadata.EXPERIMENT_TAG, experiment=experiment),
            summary(metadata.SESSION_START_INFO_TAG, session_start_info=start),
            summary(metadata.SESSION_END_INFO_TAG, session_end_info=end)]


COST_DIFFERENCE = "train/cost_difference"


def log_cost_difference(log_dir, costs_a, costs_b, log_every=1):
    """|J_a - J_b| of every logged iteration as the scalar ``train/cost_difference``.

    The iterations logged are those the backends log their costs at (``(i + 1) %
    log_every == 0``), so the difference lies beside ``train/cost`` in TensorBoard.
    """
    a = np.asarray(costs_a, dtype=np.float64)
    b = np.asarray(costs_b, dtype=np.float64)
    n = min(a.size, b.size)
    steps = np.arange(log_every - 1, n, log_every)
    if steps.size == 0:
        return
    events = EventFile(log_dir)
    try:
        events.write_scalars(steps, np.full(steps.size, time.time()), [COST_DIFFERENCE],
                             np.abs(a[steps] - b[steps])[:, None])
    finally:
        events.close()
