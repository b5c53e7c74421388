"""The frozen, validated description of a 2-D run, declared once as a table of fields; it
round-trips through a dict, JSON and a URL."""

from .activations import ACTIVATIONS
from .data.features import FEATURES
from .data.points import (
    DATASETS,
    MAX_CLASSES,
    MAX_COLUMNS,
    MAX_NOISE,
    MAX_SAMPLES,
    MAX_TRAIN_RATIO,
    MIN_SAMPLES,
    MIN_TRAIN_RATIO,
    check_pair,
    columns_of,
    real_table,
)
from .data.scaling import SCALERS
from .fields import (
    Choice,
    Flag,
    Names,
    Number,
    PerLayer,
    Settings,
    Text,
    Widths,
    dense_parameters,
    settings,
)
from .initializers import INITIALIZERS
from .losses import LOSSES
from .optimizers import LR_HELP, OPTIMIZERS, hyper_fields, optimizer_hyper
from .outputs import OUTPUTS, default_output, task_outputs
from .schedules import SCHEDULES

CUSTOM = "custom"  # dataset name for user data (CSV or clicked points), passed to the Trainer
MAX_LAYERS, MAX_WIDTH = 32, 1024
MAX_NAME = 100  # characters in a column's name
# Points times hidden neurons: the values one pass over the data holds per array (a forward
# pass keeps two such arrays; at the limit about 100 MB).
MAX_VALUES = 6_000_000

# The values the pickers offer (any other value in range is accepted too).
LEARNING_RATES = (0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
REG_RATES = (0.0, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
SAMPLES = (50, 100, 200, 300, 500, 1000, 2000, 5000)
BATCHES = (1, 2, 4, 5, 8, 10, 16, 20, 25, 30, 32, 50, 64, 100, 128, 256, 512, 1000)

FIELDS = (
    # data
    Choice("dataset", "circle", "Dataset",
           "The points to learn from. The first six are TensorFlow Playground's; moons and blobs "
           "come from scikit-learn, and so do the real tables (iris, wine, breast cancer, "
           "diabetes), whose numbers are measurements.", options=(*DATASETS, CUSTOM),
           registry=DATASETS, labels={CUSTOM: "Your points"}),
    Number("n_samples", 500, "Samples", "How many points to generate, before the train/test "
           "split.", low=MIN_SAMPLES, high=MAX_SAMPLES, integer=True, offered=SAMPLES),
    Number("noise", 0.0, "Noise", "How messy the data is: labels flip near the boundary, "
           "clusters widen, spirals blur.", low=0.0, high=MAX_NOISE, slider=True, step=0.05),
    Number("train_ratio", 0.5, "Training share", "Share of the points used for training; the "
           "rest only measure how well the network generalizes.", low=MIN_TRAIN_RATIO,
           high=MAX_TRAIN_RATIO, slider=True, step=0.1),
    Number("n_classes", 3, "Classes", "Number of classes in the multi-class datasets.", low=2,
           high=MAX_CLASSES, integer=True, slider=True, step=1),
    Choice("scale", "auto", "Scale inputs", "How the data's numbers are rescaled before the "
           "network sees them, with the training points' statistics only. Charts, hover and "
           "exports keep the data's own units; for regression the targets are rescaled too, "
           "and the loss is measured on the rescaled targets.", options=SCALERS),
    Text("x_col", "", "Map x₁", "The data column the map shows across (x₁). Empty: the data "
         "set's usual pair.", max_len=MAX_NAME),
    Text("y_col", "", "Map x₂", "The data column the map shows upwards (x₂). Empty: the data "
         "set's usual pair.", max_len=MAX_NAME),
    Names("features", ("x1", "x2"), "Inputs", "What the first layer sees. x₁ and x₂ are the "
          "coordinates (the map's two columns); the others are made from them, and can make a "
          "hard problem easy. A table's other columns are inputs too.",
          options=FEATURES, noun="input feature"),
    # network
    Widths("hidden", (4, 2), "Hidden layers", "Hidden layers between the inputs and the output. "
           "With none, the output follows one weighted sum of the inputs: a straight boundary "
           "in x₁ and x₂ (inputs such as x₁², x₁x₂ or sin x₁ can still curve it).", high=MAX_WIDTH,
           max_len=MAX_LAYERS),
    PerLayer("activation", "tanh", "Activation", "The function each hidden neuron applies to "
             "its weighted sum. With a linear one, stacked layers amount to a single weighted "
             "sum: a straight boundary in x₁ and x₂.",
             item=Choice("activation", "tanh", options=ACTIVATIONS),
             noun="activation"),
    Choice("output", "auto", "Output", "The last layer's function. Auto picks sigmoid for two "
           "classes, softmax for several, linear for regression.", options=("auto", *OUTPUTS),
           registry=OUTPUTS, labels={"auto": "Auto"}),
    Choice("loss", "auto", "Loss", "What training minimizes. Auto picks the output's own: "
           "cross-entropy after sigmoid or softmax, mean squared error after a linear output, "
           "half squared error after tanh.", options=("auto", *LOSSES),
           registry=LOSSES, labels={"auto": "Auto"}),
    Choice("init", "xavier_uniform", "Initial weights", "How the starting weights are drawn. "
           "Zeros shows why random starts matter: all neurons of a layer stay copies of each "
           "other.",
           options=INITIALIZERS),
    # training: every one of these applies live
    Choice("optimizer", "sgd", "Optimizer", "The rule that turns gradients into weight changes. "
           "Switching keeps the weights and starts the optimizer's memory afresh.",
           live=True, options=OPTIMIZERS),
    Number("lr", 0.03, "Learning rate", LR_HELP, live=True,
           low=1e-6, high=100.0, offered=LEARNING_RATES),
    *hyper_fields(),
    Number("batch_size", 10, "Batch size", "Points per gradient step. Small batches give noisy "
           "but frequent steps; the full set gives one smooth step per epoch.", live=True, low=1,
           high=20_000, integer=True, offered=BATCHES),
    Number("l1", 0.0, "L1 rate", "Adds rate × Σ|w| to the loss: every step pushes each weight "
           "towards zero by the same amount, so unneeded weights end up hovering near zero "
           "(not exactly at it). Applies at once; biases are not penalized.", live=True,
           low=0.0, high=10.0,
           offered=REG_RATES),
    Number("l2", 0.0, "L2 rate", "Adds rate/2 × Σw² to the loss: keeps weights small. Applies "
           "at once; biases are not penalized.", live=True, low=0.0, high=10.0,
           offered=REG_RATES),
    PerLayer("dropout", 0.0, "Dropout", "During training, each hidden neuron is switched off "
             "with this probability, so no neuron can rely on another. Never applied when "
             "drawing or testing.", live=True,
             item=Number("dropout", 0.0, low=0.0, high=0.9, slider=True, step=0.05),
             noun="dropout rate"),
    Choice("schedule", "constant", "Learning-rate schedule", "How the learning rate changes "
           "over the epochs.", live=True, options=SCHEDULES),
    Number("lr_decay", 0.5, "Decay", "Factor the schedule multiplies the rate by (per period, "
           "or at its end for cosine).", live=True, low=1e-3, high=1.0, step=0.05),
    Number("lr_period", 100, "Period (epochs)", "Epochs over which the schedule applies one "
           "decay.", live=True, low=1, high=1_000_000, integer=True, step=10),
    Flag("early_stopping", False, "Early stopping", "Stop when the test loss has not improved "
         "for a while, and go back to the best weights.", live=True),
    Number("patience", 50, "Patience (epochs)", "Epochs without a better test loss before early "
           "stopping acts.", live=True, low=1, high=1_000_000, integer=True, step=10),
    Number("max_epochs", 0, "Epoch budget", "Stop after this many epochs (0: never).",
           live=True, low=0, high=100_000_000, integer=True, step=100),
    Number("target_loss", 0.0, "Target loss", "Stop once the training loss (without the L1/L2 "
           "penalty) is at or below this value (0: never).", live=True, low=0.0, high=1e6,
           step=0.01),
    Number("eval_every", 1, "Record every", "Record the history (and check the stop conditions) "
           "every this many epochs.", live=True, low=1, high=1_000_000, integer=True),
    Number("seed", 0, "Seed", "Fixes the random data, starting weights and shuffling: the same "
           "seed gives the same run.", low=0, high=2**32 - 1, integer=True, step=1),
)


@settings(*FIELDS)
class Config(Settings):
    """Everything that defines a 2-D run. Invalid values raise ValueError with a readable
    message. `Config.FIELDS` is the table above; `live_fields()` the settings that apply to a
    running trainer without touching its weights."""

    GROUPS = (("dataset", "output", "loss", "x_col", "y_col"),
              ("hidden", "activation", "dropout"))
    WHAT = "config"

    def _check(self) -> None:
        if self.loss != "auto" and self.output != "auto":
            if self.output not in LOSSES[self.loss].outputs:
                raise ValueError(f"the {self.loss} loss cannot follow a {self.output} output")
        if self.dataset != CUSTOM:
            # Checks the output against the task, and the loss against the output 'auto' gives.
            self.resolve_output(DATASETS[self.dataset].task)
            check_pair(*columns_of(self.dataset), self.x_col, self.y_col)

    def pass_values(self) -> int:
        """Points times hidden neurons: the values a pass over the data holds per array."""
        return self.sizes()[2] * sum(self.hidden)

    def _check_size(self) -> None:
        super()._check_size()
        held = self.pass_values()
        if held > MAX_VALUES:
            rows = self.sizes()[2]
            points = (f"up to {rows:,} points of your own" if self.dataset == CUSTOM
                      else f"{rows:,} points")
            raise ValueError(f"{points} through {sum(self.hidden):,} hidden neurons make "
                             f"{held:,} values to hold at once, over the limit of "
                             f"{MAX_VALUES:,}: use fewer points or neurons")

    def sizes(self) -> tuple[int, int, int]:
        """(inputs, outputs, points) of the network on this data, from the settings alone:
        exact for the registry's sets, the most they may be for data of your own."""
        if self.dataset == CUSTOM:
            return len(self.features) + MAX_COLUMNS - 2, MAX_CLASSES, MAX_SAMPLES
        spec = DATASETS[self.dataset]
        if spec.real:
            table = real_table(self.dataset)
            d, rows = len(table.columns), len(table.y)
            k = len(set(table.y.tolist())) if spec.task == "multiclass" else 1
        else:
            d, rows = 2, self.n_samples
            k = self.n_classes if spec.task == "multiclass" else 1
        return len(self.features) + d - 2, k, rows

    def parameters(self) -> int:
        inputs, outputs, _ = self.sizes()
        return dense_parameters([inputs, *self.hidden, outputs])

    # --- derived ------------------------------------------------------------------------
    @property
    def activations(self) -> list[str]:
        return FIELDS_BY_NAME["activation"].values(self.activation, len(self.hidden))

    @property
    def dropouts(self) -> list[float]:
        return FIELDS_BY_NAME["dropout"].values(self.dropout, len(self.hidden))

    def resolve_output(self, task: str) -> tuple[str, str]:
        """(output activation, loss) for `task`, filling in 'auto'."""
        allowed = task_outputs(task)
        out = default_output(task) if self.output == "auto" else self.output
        if out not in allowed:
            raise ValueError(f"a {task} problem needs a {' or '.join(allowed)} output, not {out}")
        loss = OUTPUTS[out].default_loss if self.loss == "auto" else self.loss
        if out not in LOSSES[loss].outputs:
            raise ValueError(f"the {loss} loss cannot follow a {out} output")
        return out, loss

    def optimizer_hyper(self) -> dict[str, float]:
        """The hyperparameters the chosen optimizer takes, from this config."""
        return optimizer_hyper(self)


FIELDS_BY_NAME = Config.FIELDS
LIVE_FIELDS = Config.live_fields()
