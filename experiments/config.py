"""The experiments' YAML files: LightningCLI's format, read by ``run`` as well.

Each file under ``experiments/configs/`` is what ``python -m experiments fit
--config FILE`` (LightningCLI) expects::

    model:
      class_path: torch_ref.CourseModule
      init_args:
        learning_rate: 1.2
        iterations_per_batch: 100   # optional: iterations per Lightning training_step
        model:
          class_path: torch_ref.ShallowNetwork
          init_args: {n_x: 2, n_h: 4, init: course, seed: 2, scale: 0.01}
    data:
      class_path: torch_ref.PlanarDataModule
      init_args: {dataset: flower, m: 400, seed: 1}
    trainer:
      max_steps: 10000
      log_every_n_steps: 1      # the one log interval, read by both backends
      devices: 1                # optional, Lightning backend only: processes per node,
      strategy: auto            #   "ddp" to train data-parallel (and num_nodes: machines)
    experiment:                 # read by ``run`` only; ``fit`` accepts and ignores it
      variants:                 # a sweep: one run per entry
        - label: n_h=1
          set: {model.init_args.model.init_args.n_h: 1}

so both commands train from one description. :func:`run_specs` turns a file
into one :class:`RunSpec` per run (one for a single experiment, one per
variant for a sweep), with the command line's overrides applied.
"""

import copy
import inspect
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from experiments.errors import ConfigError

CONFIG_DIR = Path(__file__).resolve().parent / "configs"
MODEL_KEY = "model.init_args.model"
DEFAULT_LOG_EVERY = 1
DEFAULT_ITERATIONS_PER_BATCH = 1
# More iterations than this is a typo, not a run: the cost curves alone would not fit in memory.
MAX_ITERATIONS = 10**8
LABEL_PATTERN = re.compile(r"^[A-Za-z0-9_.=+-]+$")


@dataclass
class RunSpec:
    """Everything one run (one variant of a sweep) needs, for either backend.

    Attributes
    ----------
    label : str
        Name of the run, also its folder name in a sweep ("main" for a single run).
    model_name : str
        Class name shared by the NumPy model and its twin, e.g. "ShallowNetwork".
    model_args : dict
        Constructor arguments of both (without dtype and device).
    learning_rate : float
    data_name : str
        Data module class name, e.g. "PlanarDataModule".
    data_class_path : str
        Its full class path, e.g. "torch_ref.PlanarDataModule".
    data_args : dict
        Its constructor arguments (without dtype).
    iterations : int
        Full-batch gradient-descent steps (``trainer.max_steps``).
    log_every : int
        TensorBoard interval in iterations (``trainer.log_every_n_steps``).
    trainer_args : dict
        The rest of the ``trainer`` section, for the Lightning backend.
    config : dict
        The complete LightningCLI config of this run (saved in its folder).
    meta : dict
        Other keys of the variant's entry (e.g. ``family`` in xor-depth), for the runner.
    iterations_per_batch : int
        Gradient-descent iterations per Lightning ``training_step``
        (``model.init_args.iterations_per_batch``, 1 when absent): the Lightning
        backend's callbacks (Ctrl-C, periodic checkpoints, progress bar) run
        between batches. It does not change any iteration.
    devices, num_nodes : int
        Processes per node and machines of the Lightning backend
        (``trainer.devices``, ``trainer.num_nodes``; 1 when absent).
    strategy : str
        ``trainer.strategy``: "auto" (default) or "ddp" (data-parallel).
    """

    label: str
    model_name: str
    model_args: dict
    learning_rate: float
    data_name: str
    data_class_path: str
    data_args: dict
    iterations: int
    log_every: int
    trainer_args: dict
    config: dict = field(repr=False)
    meta: dict = field(default_factory=dict)
    iterations_per_batch: int = DEFAULT_ITERATIONS_PER_BATCH
    devices: int = 1
    strategy: str = "auto"
    num_nodes: int = 1

    def params(self):
        """The run's hyperparameters as one flat, JSON-serialisable dict."""
        params = {"model": self.model_name}
        params.update({k: v for k, v in self.model_args.items() if k != "dtype"})
        params["learning_rate"] = self.learning_rate
        params["iterations"] = self.iterations
        params["data"] = self.data_name
        params.update(
            {f"data.{k}": v for k, v in self.data_args.items() if k not in ("dtype", "data_dir")}
        )
        return params

    @property
    def batches(self):
        """Lightning batches (training steps) of the run: ceil(iterations / iterations_per_batch)."""
        return -(-self.iterations // self.iterations_per_batch)

    @property
    def world_size(self):
        """Processes the Lightning backend trains on: devices x num_nodes."""
        return self.devices * self.num_nodes


def _positive_int_setting(value, key, label):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{key} of run {label} must be a positive integer, got {value!r}")
    return value


def config_path(name):
    """Path of the YAML file named ``name`` (with or without ``.yaml``) in CONFIG_DIR."""
    path = Path(name)
    if path.suffix not in (".yaml", ".yml"):
        path = path.with_name(path.name + ".yaml")
    return path if len(path.parts) > 1 else CONFIG_DIR / path


def load_config(path):
    """Read one YAML file into a dict, with a one-line error when it is unusable."""
    path = Path(path)
    try:
        with open(path) as handle:
            config = yaml.safe_load(handle)
    except OSError as exc:
        raise ConfigError(f"cannot read config {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"config {path} is not valid YAML: {' '.join(str(exc).split())}") from exc
    if not isinstance(config, dict):
        raise ConfigError(f"config {path} must be a mapping with model, data and trainer keys")
    return config


def get_dotted(config, key):
    """``config["a"]["b"]`` for key "a.b"; KeyError naming the key when a part is missing."""
    node = config
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            raise KeyError(key)
        node = node[part]
    return node


def set_dotted(config, key, value):
    """Set ``config["a"]["b"] = value`` for key "a.b", creating ``init_args`` levels."""
    *parents, last = key.split(".")
    node = config
    for part in parents:
        child = node.get(part)
        if child is None:
            child = node[part] = {}
        if not isinstance(child, dict):
            raise ConfigError(f"cannot set {key}: {part} is not a mapping")
        node = child
    node[last] = value


def variants(config):
    """(label, config, meta) of every run an experiment file describes.

    Without ``experiment.variants`` the file is one run, labelled "main". Each
    variant is the base config with its ``set`` overrides (dotted keys) applied;
    ``meta`` holds the entry's other keys.
    """
    section = config.get("experiment") or {}
    entries = section.get("variants")
    # A variant's own config describes that run alone: the list of variants stays behind.
    base = {key: value for key, value in config.items() if key != "experiment"}
    rest = {key: value for key, value in section.items() if key != "variants"}
    if rest:
        base["experiment"] = rest
    if not entries:
        return [("main", copy.deepcopy(base), {})]
    runs = []
    for entry in entries:
        label = str(entry.get("label", ""))
        if not LABEL_PATTERN.match(label):
            raise ConfigError(
                f"variant label {label!r} must be a non-empty name of letters, digits and _.=+-"
            )
        variant = copy.deepcopy(base)
        for key, value in (entry.get("set") or {}).items():
            set_dotted(variant, key, copy.deepcopy(value))
        meta = {key: value for key, value in entry.items() if key not in ("label", "set")}
        runs.append((label, variant, meta))
    labels = [label for label, _, _ in runs]
    if len(set(labels)) != len(labels):
        raise ConfigError(f"variant labels must be unique, got {labels}")
    return runs


def _class_name(class_path):
    return str(class_path).rsplit(".", 1)[-1]


def run_spec(label, config, meta=None, *, iterations=None, seed=None, data_dir=None,
             log_every=None, iterations_per_batch=None, devices=None, strategy=None,
             num_nodes=None):
    """The :class:`RunSpec` of one variant, after the command line's overrides.

    Parameters
    ----------
    label : str
    config : dict
        One variant's LightningCLI config (see :func:`variants`); not modified.
    iterations : int, optional
        Replaces ``trainer.max_steps``.
    seed : int, optional
        Replaces the model's initialisation seed.
    data_dir : str, optional
        Folder of the cat files, for data modules that take ``data_dir``.
    log_every : int, optional
        Replaces ``trainer.log_every_n_steps``, the TensorBoard interval of both backends.
    iterations_per_batch : int, optional
        Replaces ``model.init_args.iterations_per_batch``.
    devices, strategy, num_nodes : optional
        Replace ``trainer.devices``, ``trainer.strategy``, ``trainer.num_nodes``.
    """
    config = copy.deepcopy(config)
    try:
        module_args = get_dotted(config, "model.init_args")
        model_class_path = get_dotted(config, MODEL_KEY + ".class_path")
        data_class_path = get_dotted(config, "data.class_path")
        trainer = config.get("trainer") or {}
        if not isinstance(trainer, dict):
            raise ConfigError(f"trainer of run {label} must be a mapping, got {trainer!r}")
        max_steps = trainer["max_steps"]
    except KeyError as exc:
        raise ConfigError(f"config of run {label} has no {exc.args[0]}") from None
    model_args = get_dotted(config, MODEL_KEY).setdefault("init_args", {}) or {}
    data_args = config["data"].setdefault("init_args", {}) or {}
    if iterations is not None:
        trainer["max_steps"] = max_steps = iterations
    if seed is not None:
        model_args["seed"] = seed
    if log_every is not None:
        trainer["log_every_n_steps"] = log_every
    if iterations_per_batch is not None:
        module_args["iterations_per_batch"] = iterations_per_batch
    for key, value in (("devices", devices), ("strategy", strategy), ("num_nodes", num_nodes)):
        if value is not None:
            trainer[key] = value
    if data_dir is not None and _class_name(data_class_path) == "CatDataModule":
        data_args["data_dir"] = str(data_dir)
    if isinstance(max_steps, bool) or not isinstance(max_steps, int) or max_steps < 1:
        raise ConfigError(f"trainer.max_steps of run {label} must be a positive integer, "
                          f"got {max_steps!r}")
    if max_steps > MAX_ITERATIONS:
        raise ConfigError(f"{max_steps} iterations for run {label}: at most {MAX_ITERATIONS:.0e} "
                          "(--iterations, trainer.max_steps)")
    log_every = trainer.get("log_every_n_steps", DEFAULT_LOG_EVERY)
    if not isinstance(log_every, int) or log_every < 1:
        raise ConfigError(f"trainer.log_every_n_steps of run {label} must be a positive integer")
    per_batch = _positive_int_setting(
        module_args.get("iterations_per_batch", DEFAULT_ITERATIONS_PER_BATCH),
        "model.init_args.iterations_per_batch", label)
    devices = _positive_int_setting(trainer.get("devices", 1), "trainer.devices", label)
    num_nodes = _positive_int_setting(trainer.get("num_nodes", 1), "trainer.num_nodes", label)
    # An unknown name is reported by the runner's check (torch_ref.distributed's message).
    strategy = str(trainer.get("strategy", "auto"))
    config["trainer"] = trainer
    learning_rate = module_args.get("learning_rate")
    if (isinstance(learning_rate, bool) or not isinstance(learning_rate, (int, float))
            or not math.isfinite(learning_rate) or learning_rate <= 0):
        raise ConfigError(f"model.init_args.learning_rate of run {label} must be a positive "
                          f"number, got {learning_rate!r}")
    if not isinstance(model_args, dict) or not isinstance(data_args, dict):
        raise ConfigError(f"config of run {label}: init_args must be mappings")
    spec = RunSpec(
        label=label,
        model_name=_class_name(model_class_path),
        model_args={k: v for k, v in model_args.items() if k not in ("dtype", "device")},
        learning_rate=float(learning_rate),
        data_name=_class_name(data_class_path),
        data_class_path=str(data_class_path),
        data_args={k: v for k, v in data_args.items() if k != "dtype"},
        iterations=max_steps,
        log_every=int(log_every),
        trainer_args={k: v for k, v in trainer.items() if k not in ("max_steps",)},
        iterations_per_batch=per_batch,
        devices=devices,
        strategy=strategy,
        num_nodes=num_nodes,
        config=config,
        meta=dict(meta or {}),
    )
    check_model(spec)
    return spec


def check_model(spec):
    """Build the spec's NumPy model once: a bad model argument is one ConfigError naming it.

    The twin takes the same arguments, so this checks both engines' models.
    """
    import scratch

    model_class = scratch.MODELS.get(spec.model_name)
    if model_class is None:
        raise ConfigError(f"run {spec.label}: unknown model {spec.model_name!r} in "
                          f"{MODEL_KEY}.class_path; known: {', '.join(scratch.MODELS)}")
    try:
        inspect.signature(model_class).bind(**spec.model_args)
        model_class(**spec.model_args)
    except (TypeError, ValueError, KeyError) as exc:
        message = " ".join(str(exc).split()).strip("'\"")
        raise ConfigError(f"run {spec.label}: {MODEL_KEY}.init_args: {message}") from None


def check_data_fits_model(spec, X, Y):
    """The model's n_x and n_y must be the data's: one ConfigError naming both when not."""
    import scratch

    model = scratch.MODELS[spec.model_name](**spec.model_args)
    if (model.n_x, model.n_y) != (X.shape[0], Y.shape[0]):
        raise ConfigError(
            f"run {spec.label}: {spec.model_name} takes n_x = {model.n_x} features and "
            f"n_y = {model.n_y} outputs, but {spec.data_name} holds X of shape {X.shape} and "
            f"Y of shape {Y.shape}; set the model's sizes to ({X.shape[0]}, ..., {Y.shape[0]})")


def run_specs(config, **overrides):
    """One :class:`RunSpec` per run of ``config`` (see :func:`run_spec` for overrides)."""
    return [run_spec(label, variant, meta, **overrides)
            for label, variant, meta in variants(config)]


def read_run_specs(name, **overrides):
    """The :class:`RunSpec` of every run of the experiment config ``name`` (a file name or path)."""
    return run_specs(load_config(config_path(name)), **overrides)


def needs_cat_data(config):
    """Whether any run of ``config`` reads the course's cat files (``CatDataModule``)."""
    return any(_class_name((variant.get("data") or {}).get("class_path", "")) == "CatDataModule"
               for _, variant, _ in variants(config))
